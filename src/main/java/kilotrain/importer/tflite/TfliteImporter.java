package kilotrain.importer.tflite;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import kilotrain.KtException;
import kilotrain.ops.tflite.schema.ActivationFunctionType;
import kilotrain.ops.tflite.schema.AddOptions;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.Conv2DOptions;
import kilotrain.ops.tflite.schema.DepthwiseConv2DOptions;
import kilotrain.ops.tflite.schema.FullyConnectedOptions;
import kilotrain.ops.tflite.schema.Model;
import kilotrain.ops.tflite.schema.Operator;
import kilotrain.ops.tflite.schema.OperatorCode;
import kilotrain.ops.tflite.schema.Pool2DOptions;
import kilotrain.ops.tflite.schema.SoftmaxOptions;
import kilotrain.ops.tflite.schema.SubGraph;
import kilotrain.ops.tflite.schema.TensorType;
import kilotrain.ir.Add;
import kilotrain.ir.AvgPool2D;
import kilotrain.ir.Conv2D;
import kilotrain.ir.FullyConnected;
import kilotrain.ir.Graph;
import kilotrain.ir.Op;
import kilotrain.ir.Padding;
import kilotrain.ir.Requant;
import kilotrain.ir.Reshape;
import kilotrain.ir.Softmax;
import kilotrain.ir.Tensor;
import kilotrain.ops.Operators;
import kilotrain.ops.TfliteBuiltins;
import kilotrain.ops.TfliteOperator;

/**
 * Builds an IR {@link Graph} from an int8 TFLite flatbuffer. The file is untrusted: every offset, index, length
 * and shape is checked before it is used or before anything is allocated from it, so a damaged file ends in a
 * {@link KtException} naming the file and the operator, tensor or byte offset, never in another exception.
 */
public final class TfliteImporter {
    /** The size of anything a microcontroller model could hold; beyond it a file is corrupt or not for us. */
    static final long MAX_FILE_BYTES = 512L << 20;

    private final String file;
    private final byte[] bytes;
    private final ByteBuffer bb;
    private final Model model;
    private SubGraph subgraph;
    private TensorReader tensors;
    /** What is being read now, so a failure deep in the flatbuffer accessors still names its place. */
    private String where = "model header";

    private TfliteImporter(String file, byte[] bytes) {
        this.file = file;
        this.bytes = bytes;
        this.bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        this.model = new Model();
    }

    public static Graph load(Path file) {
        byte[] bytes = readFile(file);
        return parse(file.toString(), bytes);
    }

    /** Imports a model already in memory; {@code file} only names it in messages. */
    public static Graph parse(String file, byte[] bytes) {
        TfliteImporter imp = new TfliteImporter(file, bytes);
        try {
            return imp.build();
        } catch (IndexOutOfBoundsException | BufferUnderflowException e) {
            // The generated accessors follow offsets without checking them; ByteBuffer's bounds checks are the
            // last line that catches an offset we could not validate up front.
            throw new KtException(file + ": corrupt TFLite flatbuffer while reading " + imp.where
                    + ": an offset or length points outside the " + bytes.length + "-byte file (truncated or damaged)"
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        } catch (IllegalArgumentException e) {
            // ByteBuffer rejects a vector slice that ends past the file; the UTF-8 decoder rejects garbage names.
            throw new KtException(file + ": corrupt TFLite flatbuffer while reading " + imp.where + ": "
                    + e.getMessage(), e);
        }
    }

    static byte[] readFile(Path file) {
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new KtException(file + ": " + size + " bytes is larger than any model kilotrain handles ("
                        + MAX_FILE_BYTES + " bytes)");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new KtException(file + ": no such file");
        } catch (IOException e) {
            throw new KtException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    KtException error(String message) {
        return new KtException(file + ": " + message);
    }

    private Graph build() {
        if (bytes.length < 8) {
            throw error("truncated: " + bytes.length + " bytes is too short for a TFLite flatbuffer");
        }
        if (!Model.ModelBufferHasIdentifier(bb)) {
            throw error("not a TFLite model: bytes 4..7 are not the \"TFL3\" identifier");
        }
        int root = bb.getInt(0);
        if (root < 8 || root > bytes.length - 4) {
            throw error("corrupt flatbuffer: root table offset " + Integer.toUnsignedString(root)
                    + " at byte offset 0 is outside the " + bytes.length + "-byte file");
        }
        Model.getRootAsModel(bb, model);
        where = "model tables";
        int subgraphs = length(model.subgraphsLength(), 4, "subgraph list");
        if (subgraphs != 1) {
            throw error("has " + subgraphs + " subgraphs; kilotrain imports single-subgraph models only");
        }
        subgraph = model.subgraphs(new SubGraph(), 0);
        int buffers = length(model.buffersLength(), 4, "buffer list");
        int tensorCount = length(subgraph.tensorsLength(), 4, "tensor list");
        tensors = new TensorReader(this, model, subgraph, bytes, buffers, tensorCount);

        where = "subgraph inputs and outputs";
        int inputs = length(subgraph.inputsLength(), 4, "subgraph input list");
        int outputs = length(subgraph.outputsLength(), 4, "subgraph output list");
        if (inputs != 1 || outputs != 1) {
            throw error("the subgraph has " + inputs + " inputs and " + outputs
                    + " outputs; kilotrain needs exactly one of each");
        }
        int inIndex = subgraph.inputs(0);
        int outIndex = subgraph.outputs(0);

        int opCount = length(subgraph.operatorsLength(), 4, "operator list");
        int codeCount = length(model.operatorCodesLength(), 4, "operator code list");
        int[] builtins = new int[opCount];
        Operator operator = new Operator();
        OperatorCode code = new OperatorCode();
        for (int i = 0; i < opCount; i++) {
            where = "operator " + i;
            subgraph.operators(operator, i);
            long codeIndex = operator.opcodeIndex();
            if (codeIndex >= codeCount) {
                throw error("operator " + i + ": operator code index " + codeIndex + " is outside the "
                        + codeCount + " operator codes");
            }
            model.operatorCodes(code, (int) codeIndex);
            // Newer converters write builtin_code, older ones only the byte-sized deprecated field; TFLite takes
            // the larger of the two.
            builtins[i] = Math.max(code.builtinCode(), code.deprecatedBuiltinCode());
        }

        // A float interface: QUANTIZE float -> int8 first, DEQUANTIZE int8 -> float last. The int8 graph between
        // them is what runs (on the host and the device); the float ends are the model's own convention.
        where = "subgraph inputs and outputs";
        int first = 0, last = opCount, floatOutIndex = -1;
        boolean floatInput = false, floatOutput = false, uint8Input = false;
        if (opCount > 0 && tensors.type(inIndex, "the model input") == TensorType.UINT8) {
            // a uint8 interface (older converters, uint8 camera pixels): QUANTIZE uint8 -> int8 first, as a float one
            subgraph.operators(operator, 0);
            if (builtins[0] != TfliteBuiltins.QUANTIZE || operator.inputsLength() != 1 || operator.outputsLength() != 1
                    || operator.inputs(0) != inIndex
                    || tensors.type(operator.outputs(0), "the quantized model input") != TensorType.INT8) {
                throw error("the model input " + tensors.label(inIndex) + " is UINT8 and no QUANTIZE to int8 as the "
                        + "first operator makes it int8; kilotrain needs int8 activations (a uint8 interface is fine: "
                        + "QUANTIZE uint8 -> int8 first)");
            }
            inIndex = operator.outputs(0);
            first = 1;
            uint8Input = true;
        } else if (opCount > 0 && tensors.type(inIndex, "the model input") == TensorType.FLOAT32) {
            subgraph.operators(operator, 0);
            if (builtins[0] != TfliteBuiltins.QUANTIZE || operator.inputsLength() != 1 || operator.outputsLength() != 1
                    || operator.inputs(0) != inIndex) {
                throw error("model is float32, kilotrain needs an int8 model (the model input "
                        + tensors.label(inIndex) + " is FLOAT32 and no QUANTIZE as the first operator makes it int8; "
                        + "a float interface is fine: QUANTIZE first, DEQUANTIZE last)");
            }
            inIndex = operator.outputs(0);
            first = 1;
            floatInput = true;
        }
        if (last > first && tensors.type(outIndex, "the model output") == TensorType.FLOAT32) {
            subgraph.operators(operator, last - 1);
            if (builtins[last - 1] != TfliteBuiltins.DEQUANTIZE || operator.inputsLength() != 1
                    || operator.outputsLength() != 1 || operator.outputs(0) != outIndex) {
                throw error("model is float32, kilotrain needs an int8 model (the model output "
                        + tensors.label(outIndex) + " is FLOAT32 and no DEQUANTIZE as the last operator makes it; "
                        + "a float interface is fine: QUANTIZE first, DEQUANTIZE last)");
            }
            floatOutIndex = outIndex;
            outIndex = operator.inputs(0);
            last--;
            floatOutput = true;
        }
        Tensor input = tensors.activation(inIndex, floatInput || uint8Input ? "the quantized model input"
                : "the model input");
        Tensor output = tensors.activation(outIndex, floatOutput ? "the model output before its DEQUANTIZE"
                : "the model output");
        if (floatOutput) {
            String bad = kilotrain.ops.dequantize.Dequantize.check(output, tensors.shape(floatOutIndex,
                    "the model output"));
            if (bad != null) {
                throw error("operator " + last + " (DEQUANTIZE): " + bad);
            }
        }

        List<Op> ops = new ArrayList<>(opCount);
        Map<String, Tensor> marks = new LinkedHashMap<>();
        for (int i = first; i < last; i++) {
            where = "operator " + i;
            subgraph.operators(operator, i);
            String opName = TfliteBuiltins.name(builtins[i]);
            where = "operator " + i + " (" + opName + ")";
            Op op = new OperatorReader(this, tensors, operator, i, builtins[i], opName, customCode(operator)).read();
            ops.add(op);
            if (op instanceof AvgPool2D || op instanceof kilotrain.ops.mean.Mean) {
                marks.put("pool", op.output());
            } else if (op instanceof Softmax s) {
                marks.put("logits", s.input);
            }
        }
        if (ops.isEmpty()) {
            throw error("the subgraph has no operators");
        }
        where = "graph";
        try {
            return new Graph(graphName(), Graph.Source.TFLITE, input, output, ops, marks, floatInput, floatOutput,
                    uint8Input);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    private String graphName() {
        String name = Path.of(file).getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /**
     * A vector length read from the file, checked against the bytes that could hold it: no vector of
     * {@code elementBytes}-sized entries can be longer than the file, so nothing sized by it can outgrow the file.
     */
    int length(int length, int elementBytes, String what) {
        if (length < 0 || (long) length * elementBytes > bytes.length) {
            throw error("corrupt flatbuffer: the " + what + " claims " + Integer.toUnsignedString(length)
                    + " entries, more than the " + bytes.length + "-byte file can hold");
        }
        return length;
    }

    /** The custom code of a CUSTOM operator (e.g. "ethos-u"), or null. */
    private String customCode(Operator operator) {
        OperatorCode code = model.operatorCodes(new OperatorCode(), (int) operator.opcodeIndex());
        try {
            return code.customCode();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Reads one operator into its IR op through its registration in {@link Operators}; the rules of the operators that
     * predate the operator folders (convolutions, pooling, FC, ADD, RESHAPE, SOFTMAX) are the methods below.
     */
    private static final class OperatorReader implements TfliteOperator {
        private final TfliteImporter imp;
        private final TensorReader tensors;
        private final Operator op;
        private final int index, builtin;
        private final String opName, label, customCode;
        private int[] in;
        private int out;

        OperatorReader(TfliteImporter imp, TensorReader tensors, Operator op, int index, int builtin, String opName,
                String customCode) {
            this.imp = imp;
            this.tensors = tensors;
            this.op = op;
            this.index = index;
            this.builtin = builtin;
            this.opName = opName;
            this.customCode = customCode;
            this.label = "operator " + index + " (" + opName + ")";
        }

        @Override
        public KtException error(String message) {
            return imp.error(label + ": " + message);
        }

        Op read() {
            int nOut = imp.length(op.outputsLength(), 4, label + " output list");
            int nIn = imp.length(op.inputsLength(), 4, label + " input list");
            Operators.Entry<?> entry = Operators.forBuiltin(builtin);
            if (entry == null || nOut != 1) {
                String writes = nOut == 0 ? "" : " writing " + tensors.label(op.outputs(0));
                if (entry == null) {
                    String what = builtin == TfliteBuiltins.CUSTOM
                            ? "custom operator" + (customCode == null ? "" : " '" + customCode + "'")
                                    + (customCode != null && customCode.startsWith("ethos-u")
                                            ? " (a Vela-compiled Ethos-U command stream: give kilotrain the model "
                                                    + "before Vela)" : "")
                            : "operator " + opName;
                    throw imp.error("operator " + index + " (" + opName + ")" + writes + ": " + what
                            + " is not supported; kilotrain supports " + String.join(", ",
                                    Operators.supportedBuiltins()));
                }
                throw error("has " + nOut + " outputs, expected 1");
            }
            in = new int[nIn];
            for (int i = 0; i < nIn; i++) {
                in[i] = op.inputs(i);
            }
            out = op.outputs(0);
            try {
                return entry.rule().read(this);
            } catch (IllegalArgumentException e) {
                throw error(e.getMessage());
            }
        }

        @Override
        public String label() {
            return label;
        }

        @Override
        public String name() {
            output();
            return tensors.opName(out, index);
        }

        @Override
        public int arity(int min, int max) {
            if (in.length < min || in.length > max) {
                throw error("has " + in.length + " inputs, expected " + (min == max ? "" + min : min + " to " + max));
            }
            return in.length;
        }

        @Override
        public boolean has(int i) {
            return i < in.length && in[i] >= 0;
        }

        @Override
        public Tensor input(int i) {
            return tensors.activation(in[i], label + " input " + i);
        }

        @Override
        public Tensor output() {
            return tensors.activation(out, label + " output");
        }

        @Override
        public Tensor operand(int i) {
            return tensors.isConstant(in[i], label + " input " + i)
                    ? tensors.int8Constant(in[i], label + " constant input " + i) : input(i);
        }

        @Override
        public int[] ints(int i, String role) {
            return tensors.ints(in[i], label + " " + role);
        }

        @Override
        public Tensor int8Constant(int i, String role) {
            return tensors.int8Constant(in[i], label + " " + role);
        }

        @Override
        public <T extends com.google.flatbuffers.Table> T optionsIfAny(byte type, T table) {
            if (op.builtinOptionsType() != type || op.builtinOptions(table) == null) {
                return null;
            }
            return table;
        }

        @Override
        public int[] activationRange(int act, Tensor y) {
            return tensors.activationRange(act, y, label);
        }

        @Override
        public Op conv2d(boolean depthwise) {
            return conv(in, out, depthwise);
        }

        @Override
        public Op averagePool() {
            return avgPool(in, out);
        }

        @Override
        public Op fullyConnected() {
            return fullyConnected(in, out);
        }

        @Override
        public Op add() {
            return add(in, out);
        }

        @Override
        public Op reshape() {
            return reshape(in, out);
        }

        @Override
        public Op softmax() {
            return softmax(in, out);
        }

        /** Builds the IR op; its constructor checks shapes against each other and names the tensors it blames. */
        private Op ir(java.util.function.Supplier<Op> make) {
            try {
                return make.get();
            } catch (IllegalArgumentException e) {
                throw error(e.getMessage());
            }
        }

        private void arity(int[] in, int min, int max) {
            if (in.length < min || in.length > max) {
                throw error("has " + in.length + " inputs, expected " + (min == max ? "" + min : min + " to " + max));
            }
        }

        @Override
        public <T extends com.google.flatbuffers.Table> T options(byte type, T table) {
            if (op.builtinOptionsType() != type || op.builtinOptions(table) == null) {
                throw error("has no " + BuiltinOptions.name(type) + " (options type "
                        + (op.builtinOptionsType() & 0xff) + ")");
            }
            return table;
        }

        private int param(int v, String what) {
            if (v < 1 || v > 1 << 16) {
                throw error(what + " " + v + " is outside 1..65536");
            }
            return v;
        }

        private Op conv(int[] in, int out, boolean depthwise) {
            arity(in, 2, 3);
            int padding, strideW, strideH, dilW, dilH, act;
            if (depthwise) {
                DepthwiseConv2DOptions o = options(BuiltinOptions.DepthwiseConv2DOptions, new DepthwiseConv2DOptions());
                padding = o.padding();
                strideW = o.strideW();
                strideH = o.strideH();
                dilW = o.dilationWFactor();
                dilH = o.dilationHFactor();
                act = o.fusedActivationFunction();
            } else {
                Conv2DOptions o = options(BuiltinOptions.Conv2DOptions, new Conv2DOptions());
                padding = o.padding();
                strideW = o.strideW();
                strideH = o.strideH();
                dilW = o.dilationWFactor();
                dilH = o.dilationHFactor();
                act = o.fusedActivationFunction();
            }
            param(strideW, "stride_w");
            param(strideH, "stride_h");
            param(dilW, "dilation_w_factor");
            param(dilH, "dilation_h_factor");
            Tensor x = tensors.activation(in[0], label + " input");
            Tensor y = tensors.activation(out, label + " output");
            Tensor w = depthwise ? tensors.depthwiseWeight(in[1], label, x.rank() == 4 ? x.channels() : 1)
                    : tensors.weight(in[1], label, 4, 0);
            Tensor b = in.length > 2 && in[2] >= 0 ? tensors.bias(in[2], label) : null;
            if (x.rank() != 4 || y.rank() != 4) {
                throw error("expects 4-D NHWC input and output, got " + Arrays.toString(x.shape) + " and "
                        + Arrays.toString(y.shape));
            }
            int groups = depthwise ? x.channels() : 1;
            Padding pad = padding(padding, x, w.dim(1), w.dim(2), strideH, strideW, dilH, dilW);
            int[] range = tensors.activationRange(act, y, label);
            Requant.FixedPoint rq = tensors.requant(x, w, y, label);
            String name = tensors.opName(out, index);
            String actName = ActivationFunctionType.name(act);
            int sh = strideH, sw = strideW, dh = dilH, dw = dilW;
            return ir(() -> new Conv2D(name, x, w, b, y, sh, sw, dh, dw, pad, groups, rq, range[0], range[1],
                    actName));
        }

        private Padding padding(int mode, Tensor x, int kh, int kw, int strideH, int strideW, int dilH, int dilW) {
            if (mode == kilotrain.ops.tflite.schema.Padding.VALID) {
                return Padding.NONE;
            }
            if (mode != kilotrain.ops.tflite.schema.Padding.SAME) {
                throw error("unknown padding mode " + mode);
            }
            return Padding.of(true, x.height(), x.width(), kh, kw, strideH, strideW, dilH, dilW);
        }

        private Op avgPool(int[] in, int out) {
            arity(in, 1, 1);
            Pool2DOptions o = options(BuiltinOptions.Pool2DOptions, new Pool2DOptions());
            int fw = param(o.filterWidth(), "filter_width"), fh = param(o.filterHeight(), "filter_height");
            int sw = param(o.strideW(), "stride_w"), sh = param(o.strideH(), "stride_h");
            Tensor x = tensors.activation(in[0], label + " input");
            Tensor y = tensors.activation(out, label + " output");
            if (x.rank() != 4 || y.rank() != 4) {
                throw error("expects 4-D NHWC input and output, got " + Arrays.toString(x.shape) + " and "
                        + Arrays.toString(y.shape));
            }
            if (!x.quant.equals(y.quant)) {
                throw error("input " + x.quant + " and output " + y.quant + " quantizations differ");
            }
            Padding pad = padding(o.padding(), x, fh, fw, sh, sw, 1, 1);
            int[] range = tensors.activationRange(o.fusedActivationFunction(), y, label);
            String name = tensors.opName(out, index);
            return ir(() -> new AvgPool2D(name, x, y, fh, fw, sh, sw, pad, AvgPool2D.Rounding.HALF_AWAY_FROM_ZERO,
                    range[0], range[1]));
        }

        private Op fullyConnected(int[] in, int out) {
            arity(in, 2, 3);
            FullyConnectedOptions o = options(BuiltinOptions.FullyConnectedOptions, new FullyConnectedOptions());
            if (o.weightsFormat() != 0) {
                throw error("shuffled weight format " + o.weightsFormat() + " is not supported");
            }
            Tensor x = tensors.activation(in[0], label + " input");
            Tensor y = tensors.activation(out, label + " output");
            Tensor w = tensors.weight(in[1], label, 2, 0);
            Tensor b = in.length > 2 && in[2] >= 0 ? tensors.bias(in[2], label) : null;
            // keep_num_dims only changes the output's shape, which the output tensor already states; the IR reads
            // the input flat, so both forms import alike once the sizes agree.
            int[] range = tensors.activationRange(o.fusedActivationFunction(), y, label);
            Requant.FixedPoint rq = tensors.requant(x, w, y, label);
            String name = tensors.opName(out, index);
            String actName = ActivationFunctionType.name(o.fusedActivationFunction());
            return ir(() -> new FullyConnected(name, x, w, b, y, rq, range[0], range[1], actName));
        }

        private Op add(int[] in, int out) {
            arity(in, 2, 2);
            AddOptions o = options(BuiltinOptions.AddOptions, new AddOptions());
            Tensor a = tensors.activation(in[0], label + " first input");
            Tensor b = tensors.activation(in[1], label + " second input");
            Tensor y = tensors.activation(out, label + " output");
            if (!Arrays.equals(a.shape, b.shape) || !Arrays.equals(a.shape, y.shape)) {
                throw error("broadcasting is not supported: shapes " + Arrays.toString(a.shape) + " + "
                        + Arrays.toString(b.shape) + " -> " + Arrays.toString(y.shape));
            }
            int[] range = tensors.activationRange(o.fusedActivationFunction(), y, label);
            String name = tensors.opName(out, index);
            return ir(() -> new Add(name, a, b, y, Add.Rule.TFLITE_FIXED_POINT, range[0], range[1]));
        }

        private Op reshape(int[] in, int out) {
            arity(in, 1, 2);
            Tensor x = tensors.activation(in[0], label + " input");
            Tensor y = tensors.activation(out, label + " output");
            if (!x.quant.equals(y.quant)) {
                throw error("input " + x.quant + " and output " + y.quant + " quantizations differ");
            }
            String name = tensors.opName(out, index);
            return ir(() -> new Reshape(name, x, y));
        }

        private Op softmax(int[] in, int out) {
            arity(in, 1, 1);
            SoftmaxOptions o = options(BuiltinOptions.SoftmaxOptions, new SoftmaxOptions());
            float beta = o.beta();
            if (!(beta > 0f) || Float.isInfinite(beta)) {
                throw error("beta " + beta + " is not a positive finite number");
            }
            Tensor x = tensors.activation(in[0], label + " input");
            Tensor y = tensors.activation(out, label + " output");
            String name = tensors.opName(out, index);
            return ir(() -> new Softmax(name, x, y, beta));
        }
    }
}
