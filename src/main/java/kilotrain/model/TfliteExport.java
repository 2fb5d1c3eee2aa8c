package kilotrain.model;

import com.google.flatbuffers.FlatBufferBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import kilotrain.KtException;
import kilotrain.compiler.TrainCompiler;
import kilotrain.program.TrainState;
import kilotrain.ops.Operators;
import kilotrain.ops.TfliteOptions;
import kilotrain.ops.tflite.schema.ActivationFunctionType;
import kilotrain.ops.tflite.schema.Buffer;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.FullyConnectedOptions;
import kilotrain.ops.tflite.schema.Model;
import kilotrain.ops.tflite.schema.Operator;
import kilotrain.ops.tflite.schema.OperatorCode;
import kilotrain.ops.tflite.schema.QuantizationParameters;
import kilotrain.ops.tflite.schema.SoftmaxOptions;
import kilotrain.ops.tflite.schema.SubGraph;
import kilotrain.ops.tflite.schema.TensorType;
import kilotrain.ops.tflite.schema.Tensor;
import kilotrain.ir.Conv2D;
import kilotrain.ir.Graph;
import kilotrain.ir.Op;
import kilotrain.ir.Softmax;
import kilotrain.program.Program;
import kilotrain.ops.core.TrainedConv;

/**
 * Writes a model fine-tuned from a TFLite file back as TFLite: the original flatbuffer rebuilt with
 * {@link FlatBufferBuilder} from kilotrain's schema subset, with
 * <ul>
 * <li>every trained convolution's int8 weights and int32 biases replaced by their trained values (quantization
 *     unchanged; depthwise weights back in TFLite's {@code [1, kh, kw, cout]} layout), each in a buffer of its own;</li>
 * <li>with the int8 head ({@link kilotrain.compiler.Int8Head}): the model's classifier and what followed it replaced
 *     by one int8 FULLY_CONNECTED for the dataset's classes (weights {@code [classes, features]} with per-channel
 *     scales, int32 bias with scales {@code s_x s_W[c]}, the head's logit quantization), then the model's SOFTMAX
 *     when it had one (same beta and output quantization). Pure int8 TFLite, which the importer reads back.</li>
 * </ul>
 * Only what the importer reads survives the rebuild: tensors and buffers no kept operator uses are dropped, and so
 * are the flatbuffer fields outside the subset (metadata, signature definitions, shape signatures).
 */
public final class TfliteExport {
    static final int FULLY_CONNECTED = 9, SOFTMAX = 25;

    private final Model model;
    private final SubGraph sg;
    private final Graph graph;
    private final Program program;
    private final TrainState state;
    private final FlatBufferBuilder fb = new FlatBufferBuilder(1 << 16);
    /** Output tensors by original index, with replaced data (trained weights and biases). */
    private final Map<Integer, byte[]> replaced = new HashMap<>();
    private final List<NewTensor> added = new ArrayList<>();
    /**
     * The interface operators the graph leaves out: a QUANTIZE first (a float or uint8 input) and a DEQUANTIZE last (a
     * float output, ops/dequantize). They are written back around the int8 graph; graph operator i is the file's
     * operator {@code i + first}.
     */
    private final int first, last;
    /** Indices of the new head's weight and bias tensors (int8 head only). */
    private int headWeight, headBias;

    /** A tensor the export adds; indices past the original tensors refer to these. */
    private record NewTensor(String name, int[] shape, byte type, float[] scales, long[] zeros, int axis,
            byte[] data) {
    }

    /** An operator of the output: original (index >= 0, its options copied) or the new head / softmax. */
    private record OutOp(int original, int builtin, int[] inputs, int[] outputs, float beta) {
    }

    private TfliteExport(byte[] original, Graph graph, Program program, TrainState state) {
        ByteBuffer bb = ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN);
        if (original.length < 8 || !Model.ModelBufferHasIdentifier(bb)) {
            throw new KtException("TFLite export: the base model of '" + graph.name + "' is not a TFLite flatbuffer");
        }
        this.model = Model.getRootAsModel(bb);
        this.sg = model.subgraphs(0);
        this.graph = graph;
        this.program = program;
        this.state = state;
        this.first = graph.floatInput || graph.uint8Input ? 1 : 0;
        this.last = graph.floatOutput ? 1 : 0;
        if (sg.operatorsLength() != first + graph.ops.size() + last) {
            throw new KtException("TFLite export: model '" + graph.name + "' has " + sg.operatorsLength()
                    + " operators but its graph " + graph.ops.size() + " and " + (first + last) + " interface ones");
        }
    }

    /** The fine-tuned model as TFLite bytes; {@code original} is the file the graph was imported from. */
    public static byte[] write(byte[] original, Graph graph, Program program, TrainState state) {
        if (graph.source != Graph.Source.TFLITE) {
            throw new KtException("TFLite export: model '" + graph.name + "' was not imported from TFLite");
        }
        if (!program.int8Head() && !program.keepsClassifier()) {
            throw new KtException("TFLite export: the float32 head has no int8 TFLite form; train with --head int8");
        }
        return new TfliteExport(original, graph, program, state).build();
    }

    private byte[] build() {
        Map<Op, Integer> opIndex = new IdentityHashMap<>();
        for (int i = 0; i < graph.ops.size(); i++) {
            opIndex.put(graph.ops.get(i), first + i);
            if (graph.ops.get(i) instanceof kilotrain.ir.FullyConnected f) {
                opIndex.put(f.asConv(), first + i); // a fully connected layer trains as its 1x1 form: same weights
            }
        }
        int cls = TrainCompiler.classifierIndex(graph);
        TrainedConv head = null;
        for (TrainedConv tc : program.trained) {
            Integer i = opIndex.get(tc.op);
            if (i == null) {
                head = tc;
                continue;
            }
            Operator op = sg.operators(i);
            Conv2D c = tc.op;
            if (tc.weights()) {
                replace(op.inputs(1), tfliteWeights(c, state.fullWeights(c)), i);
            }
            if (tc.bias) {
                replace(op.inputs(2), ints(state.currentBias(c)), i);
            }
        }
        List<OutOp> ops = new ArrayList<>();
        int n = sg.operatorsLength();
        int output = sg.outputs(0);
        if (program.int8Head()) {
            if (head == null) {
                throw new IllegalStateException("int8 head program without a head convolution");
            }
            for (int i = 0; i < first + cls; i++) {
                ops.add(original(i));
            }
            int feature = sg.operators(first + cls).inputs(0);
            int logits = addHead(head.op);
            ops.add(new OutOp(-1, FULLY_CONNECTED, new int[] {feature, headWeight, headBias}, new int[] {logits}, 0f));
            output = logits;
            // a binary head's one logit stays a logit (a softmax of one value is 1)
            for (int i = cls + 1; i < graph.ops.size() && !program.binary(); i++) {
                if (graph.ops.get(i) instanceof Softmax s) {
                    output = addSoftmaxOutput(i, head.op.output.elements());
                    ops.add(new OutOp(-1, SOFTMAX, new int[] {logits}, new int[] {output}, s.beta));
                    break;
                }
            }
            if (last == 1) {
                // the model's DEQUANTIZE, now of the head's output: into the model's float output when the head has
                // as many outputs (a regression), else into a new float output of the head's size
                int floatOut = sg.outputs(0);
                int classes = head.op.output.elements();
                if (graph.output.elements() != classes) {
                    floatOut = add(new NewTensor("head/dequantized", new int[] {1, classes}, TensorType.FLOAT32,
                            new float[0], new long[0], 0, null));
                }
                ops.add(new OutOp(n - 1, -1, new int[] {output}, new int[] {floatOut}, 0f));
                output = floatOut;
            }
        } else {
            for (int i = 0; i < n; i++) {
                ops.add(original(i));
            }
        }
        return serialize(ops, sg.inputs(0), output);
    }

    /** Adds the head's weight, bias and logits tensors; returns the logits' index. */
    private int addHead(Conv2D h) {
        int classes = h.output.channels(), f = h.input.channels();
        float[] sw = new float[classes], sb = new float[classes];
        float sx = h.input.quant.scale();
        for (int o = 0; o < classes; o++) {
            sw[o] = h.weight.quant.scales[o];
            sb[o] = (float) ((double) sx * sw[o]);
        }
        headWeight = add(new NewTensor("head/weight", new int[] {classes, f}, TensorType.INT8, sw, new long[classes], 0,
                state.fullWeights(h).clone()));
        headBias = add(new NewTensor("head/bias", new int[] {classes}, TensorType.INT32, sb, new long[classes], 0,
                ints(state.currentBias(h))));
        return add(new NewTensor("head/logits", new int[] {1, classes}, TensorType.INT8,
                new float[] {h.output.quant.scale()}, new long[] {h.output.quant.zeroPoint()}, 0, null));
    }

    /** The softmax output for the new classes, quantized as the model's softmax output was. */
    private int addSoftmaxOutput(int softmaxOp, int classes) {
        kilotrain.ir.Tensor y = graph.ops.get(softmaxOp).output();
        return add(new NewTensor("head/probabilities", new int[] {1, classes}, TensorType.INT8,
                new float[] {y.quant.scale()}, new long[] {y.quant.zeroPoint()}, 0, null));
    }

    private int add(NewTensor t) {
        added.add(t);
        return sg.tensorsLength() + added.size() - 1;
    }

    private OutOp original(int i) {
        Operator op = sg.operators(i);
        int[] in = new int[op.inputsLength()], out = new int[op.outputsLength()];
        for (int k = 0; k < in.length; k++) {
            in[k] = op.inputs(k);
        }
        for (int k = 0; k < out.length; k++) {
            out[k] = op.outputs(k);
        }
        return new OutOp(i, -1, in, out, 0f);
    }

    private void replace(int tensor, byte[] data, int opIndex) {
        for (int i = 0; i < sg.operatorsLength(); i++) {
            Operator op = sg.operators(i);
            for (int k = 0; k < op.inputsLength(); k++) {
                if (i != opIndex && op.inputs(k) == tensor) {
                    throw new KtException("TFLite export: trained tensor " + tensor + " of operator " + opIndex
                            + " is shared with operator " + i + "; kilotrain cannot give them different values");
                }
            }
        }
        replaced.put(tensor, data);
    }

    /** The IR's OHWI weights in TFLite's layout: the same for convolutions, {@code [1, kh, kw, cout]} for depthwise. */
    static byte[] tfliteWeights(Conv2D c, byte[] w) {
        if (!c.isDepthwise()) {
            return w.clone();
        }
        int cout = c.output.channels(), taps = c.kernelH() * c.kernelW();
        byte[] out = new byte[w.length];
        for (int p = 0; p < taps; p++) {
            for (int o = 0; o < cout; o++) {
                out[p * cout + o] = w[o * taps + p];
            }
        }
        return out;
    }

    static byte[] ints(int[] v) {
        ByteBuffer bb = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asIntBuffer().put(v);
        return bb.array();
    }

    // ------------------------------------------------------------------ serialization

    private byte[] serialize(List<OutOp> ops, int input, int output) {
        // Keep only the tensors the kept operators and the subgraph's input and output use, in original order.
        int total = sg.tensorsLength() + added.size();
        boolean[] used = new boolean[total];
        used[input] = true;
        used[output] = true;
        for (OutOp o : ops) {
            for (int t : o.inputs()) {
                if (t >= 0) {
                    used[t] = true;
                }
            }
            for (int t : o.outputs()) {
                used[t] = true;
            }
        }
        int[] newIndex = new int[total];
        List<Integer> kept = new ArrayList<>();
        for (int t = 0; t < total; t++) {
            newIndex[t] = used[t] ? kept.size() : -1;
            if (used[t]) {
                kept.add(t);
            }
        }
        // Buffers: 0 stays the empty sentinel; every tensor with data gets its own.
        List<byte[]> bufferData = new ArrayList<>();
        bufferData.add(null);
        int[] tensorBuffer = new int[kept.size()];
        for (int k = 0; k < kept.size(); k++) {
            byte[] d = tensorData(kept.get(k));
            if (d != null) {
                tensorBuffer[k] = bufferData.size();
                bufferData.add(d);
            }
        }
        // Operator codes: the original ones, plus FULLY_CONNECTED / SOFTMAX when the head needs them.
        Map<Integer, Integer> codeOf = new LinkedHashMap<>();
        int codes = model.operatorCodesLength();
        for (int i = 0; i < codes; i++) {
            OperatorCode c = model.operatorCodes(i);
            codeOf.putIfAbsent(Math.max(c.builtinCode(), c.deprecatedBuiltinCode()), i);
        }
        List<Integer> newCodes = new ArrayList<>();
        for (OutOp o : ops) {
            if (o.original() < 0 && !codeOf.containsKey(o.builtin())) {
                codeOf.put(o.builtin(), codes + newCodes.size());
                newCodes.add(o.builtin());
            }
        }

        int[] bufferOffsets = new int[bufferData.size()];
        for (int b = bufferData.size() - 1; b >= 0; b--) {
            byte[] d = bufferData.get(b);
            int data = 0;
            if (d != null) {
                // 16-byte aligned data, as TFLite's own writer aligns buffers
                fb.createUnintializedVector(1, d.length, 16).put(d);
                data = fb.endVector();
            }
            Buffer.startBuffer(fb);
            if (d != null) {
                Buffer.addData(fb, data);
            }
            bufferOffsets[b] = Buffer.endBuffer(fb);
        }
        int buffers = Model.createBuffersVector(fb, bufferOffsets);

        int[] tensorOffsets = new int[kept.size()];
        for (int k = 0; k < kept.size(); k++) {
            tensorOffsets[k] = tensor(kept.get(k), tensorBuffer[k]);
        }
        int[] opOffsets = new int[ops.size()];
        for (int i = 0; i < ops.size(); i++) {
            opOffsets[i] = operator(ops.get(i), newIndex, codeOf);
        }
        int tensors = SubGraph.createTensorsVector(fb, tensorOffsets);
        int inputs = SubGraph.createInputsVector(fb, new int[] {newIndex[input]});
        int outputs = SubGraph.createOutputsVector(fb, new int[] {newIndex[output]});
        int operators = SubGraph.createOperatorsVector(fb, opOffsets);
        int sgName = sg.name() == null ? 0 : fb.createString(sg.name());
        SubGraph.startSubGraph(fb);
        SubGraph.addTensors(fb, tensors);
        SubGraph.addInputs(fb, inputs);
        SubGraph.addOutputs(fb, outputs);
        SubGraph.addOperators(fb, operators);
        if (sgName != 0) {
            SubGraph.addName(fb, sgName);
        }
        int subgraph = SubGraph.endSubGraph(fb);
        int subgraphs = Model.createSubgraphsVector(fb, new int[] {subgraph});

        int[] codeOffsets = new int[codes + newCodes.size()];
        for (int i = 0; i < codes; i++) {
            OperatorCode c = model.operatorCodes(i);
            int custom = c.customCode() == null ? 0 : fb.createString(c.customCode());
            OperatorCode.startOperatorCode(fb);
            OperatorCode.addDeprecatedBuiltinCode(fb, c.deprecatedBuiltinCode());
            if (custom != 0) {
                OperatorCode.addCustomCode(fb, custom);
            }
            OperatorCode.addVersion(fb, c.version());
            OperatorCode.addBuiltinCode(fb, c.builtinCode());
            codeOffsets[i] = OperatorCode.endOperatorCode(fb);
        }
        for (int j = 0; j < newCodes.size(); j++) {
            int code = newCodes.get(j);
            OperatorCode.startOperatorCode(fb);
            OperatorCode.addDeprecatedBuiltinCode(fb, (byte) code);
            // the first version with int8 (per-channel) support in TFLite's op versioning
            OperatorCode.addVersion(fb, code == FULLY_CONNECTED ? 4 : 2);
            OperatorCode.addBuiltinCode(fb, code);
            codeOffsets[codes + j] = OperatorCode.endOperatorCode(fb);
        }
        int opCodes = Model.createOperatorCodesVector(fb, codeOffsets);
        String description = model.description();
        int desc = fb.createString((description == null || description.isEmpty() ? "" : description + "; ")
                + "fine-tuned by kilotrain");
        Model.startModel(fb);
        Model.addVersion(fb, model.version());
        Model.addOperatorCodes(fb, opCodes);
        Model.addSubgraphs(fb, subgraphs);
        Model.addDescription(fb, desc);
        Model.addBuffers(fb, buffers);
        Model.finishModelBuffer(fb, Model.endModel(fb));
        return fb.sizedByteArray();
    }

    /** The data of output tensor t (original index or added), or null for activations. */
    private byte[] tensorData(int t) {
        if (t >= sg.tensorsLength()) {
            return added.get(t - sg.tensorsLength()).data();
        }
        byte[] r = replaced.get(t);
        if (r != null) {
            return r;
        }
        Tensor x = sg.tensors(t);
        long b = x.buffer();
        if (b == 0 || b >= model.buffersLength()) {
            return null;
        }
        Buffer buf = model.buffers((int) b);
        if (buf.offset() > 1) {
            throw new KtException("TFLite export: tensor '" + x.name() + "' keeps its data outside the flatbuffer;"
                    + " kilotrain writes models with inline buffers only");
        }
        ByteBuffer d = buf.dataAsByteBuffer();
        if (d == null || d.remaining() == 0) {
            return null;
        }
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    private int tensor(int t, int buffer) {
        if (t >= sg.tensorsLength()) {
            NewTensor n = added.get(t - sg.tensorsLength());
            int name = fb.createString(n.name());
            int shape = Tensor.createShapeVector(fb, n.shape());
            int q = quantization(null, null, n.scales(), n.zeros(), n.axis());
            return tensorTable(shape, n.type(), buffer, name, q, false);
        }
        Tensor x = sg.tensors(t);
        int name = x.name() == null ? 0 : fb.createString(x.name());
        int[] dims = new int[x.shapeLength()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = x.shape(i);
        }
        int shape = Tensor.createShapeVector(fb, dims);
        int q = 0;
        QuantizationParameters p = x.quantization();
        if (p != null) {
            q = quantization(floats(p.minLength(), p::min), floats(p.maxLength(), p::max),
                    floats(p.scaleLength(), p::scale), longs(p.zeroPointLength(), p::zeroPoint),
                    p.quantizedDimension());
        }
        return tensorTable(shape, x.type(), buffer, name, q, x.isVariable());
    }

    private int tensorTable(int shape, byte type, int buffer, int name, int quant, boolean variable) {
        Tensor.startTensor(fb);
        Tensor.addShape(fb, shape);
        Tensor.addType(fb, type);
        Tensor.addBuffer(fb, buffer);
        if (name != 0) {
            Tensor.addName(fb, name);
        }
        if (quant != 0) {
            Tensor.addQuantization(fb, quant);
        }
        if (variable) {
            Tensor.addIsVariable(fb, true);
        }
        return Tensor.endTensor(fb);
    }

    private int quantization(float[] min, float[] max, float[] scale, long[] zero, int axis) {
        int mn = min == null || min.length == 0 ? 0 : QuantizationParameters.createMinVector(fb, min);
        int mx = max == null || max.length == 0 ? 0 : QuantizationParameters.createMaxVector(fb, max);
        int sc = scale.length == 0 ? 0 : QuantizationParameters.createScaleVector(fb, scale);
        int zp = zero.length == 0 ? 0 : QuantizationParameters.createZeroPointVector(fb, zero);
        QuantizationParameters.startQuantizationParameters(fb);
        if (mn != 0) {
            QuantizationParameters.addMin(fb, mn);
        }
        if (mx != 0) {
            QuantizationParameters.addMax(fb, mx);
        }
        if (sc != 0) {
            QuantizationParameters.addScale(fb, sc);
        }
        if (zp != 0) {
            QuantizationParameters.addZeroPoint(fb, zp);
        }
        QuantizationParameters.addQuantizedDimension(fb, axis);
        return QuantizationParameters.endQuantizationParameters(fb);
    }

    private int operator(OutOp o, int[] newIndex, Map<Integer, Integer> codeOf) {
        int[] in = new int[o.inputs().length], out = new int[o.outputs().length];
        for (int k = 0; k < in.length; k++) {
            in[k] = o.inputs()[k] < 0 ? -1 : newIndex[o.inputs()[k]];
        }
        for (int k = 0; k < out.length; k++) {
            out[k] = newIndex[o.outputs()[k]];
        }
        byte optType;
        int options;
        long code;
        if (o.original() >= 0) {
            Operator src = sg.operators(o.original());
            code = src.opcodeIndex();
            optType = src.builtinOptionsType();
            options = copyOptions(src, o.original());
        } else if (o.builtin() == FULLY_CONNECTED) {
            code = codeOf.get(FULLY_CONNECTED);
            optType = BuiltinOptions.FullyConnectedOptions;
            options = FullyConnectedOptions.createFullyConnectedOptions(fb, ActivationFunctionType.NONE, (byte) 0,
                    false);
        } else {
            code = codeOf.get(SOFTMAX);
            optType = BuiltinOptions.SoftmaxOptions;
            options = SoftmaxOptions.createSoftmaxOptions(fb, o.beta());
        }
        int inputs = Operator.createInputsVector(fb, in);
        int outputs = Operator.createOutputsVector(fb, out);
        Operator.startOperator(fb);
        Operator.addOpcodeIndex(fb, code);
        Operator.addInputs(fb, inputs);
        Operator.addOutputs(fb, outputs);
        if (optType != BuiltinOptions.NONE) {
            Operator.addBuiltinOptionsType(fb, optType);
            Operator.addBuiltinOptions(fb, options);
        }
        return Operator.endOperator(fb);
    }

    /** The operator's options table written again, by its registration in {@link Operators}. */
    private int copyOptions(Operator op, int index) {
        byte type = op.builtinOptionsType();
        if (type == BuiltinOptions.NONE) {
            return 0;
        }
        OperatorCode c = model.operatorCodes((int) op.opcodeIndex());
        Operators.Entry<?> entry = Operators.forBuiltin(Math.max(c.builtinCode(), c.deprecatedBuiltinCode()));
        if (entry == null || !entry.options().copies(type)) {
            int empty = TfliteOptions.writeIfEmpty(op, fb);
            if (empty >= 0) {
                return empty;
            }
            throw new KtException("TFLite export: operator " + index + " has options of type " + (type & 0xff)
                    + ", which kilotrain does not know how to copy");
        }
        return entry.options().write(op, fb);
    }

    private interface FloatAt {
        float at(int i);
    }

    private interface LongAt {
        long at(int i);
    }

    private static float[] floats(int n, FloatAt f) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = f.at(i);
        }
        return out;
    }

    private static long[] longs(int n, LongAt f) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = f.at(i);
        }
        return out;
    }
}
