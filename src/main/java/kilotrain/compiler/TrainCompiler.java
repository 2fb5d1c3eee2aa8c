package kilotrain.compiler;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import kilotrain.KtException;
import kilotrain.ir.Conv2D;
import kilotrain.ir.DType;
import kilotrain.ir.FullyConnected;
import kilotrain.ir.Graph;
import kilotrain.ir.Op;
import kilotrain.ir.Quant;
import kilotrain.ir.Reshape;
import kilotrain.ir.Softmax;
import kilotrain.ir.Tensor;
import kilotrain.ops.conv.ConvBackward;
import kilotrain.ops.head.HeadBwd;
import kilotrain.ops.head.HeadFwd;
import kilotrain.ops.dequantize.DequantizeFwd;
import kilotrain.ops.dequantize.DequantizeBwd;
import kilotrain.ops.loss.LossGrad;
import kilotrain.ops.loss.BceGrad;
import kilotrain.ops.loss.MseGrad;
import kilotrain.ops.loss.TargetKind;
import kilotrain.ops.update.Qas;
import kilotrain.ops.Operators;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Lowering;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.Param;
import kilotrain.program.Program;
import kilotrain.ops.core.TrainedConv;

/**
 * Compile-time autodiff: turns a forward int8 graph and a {@link TrainSpec} into the straight-line training step.
 * The model's classifier (its last weighted op) and anything after it are replaced by a new head for the dataset's
 * classes (float32, or int8: {@link Int8Head}), or kept; backward instructions are emitted only where a trained parameter needs them (pruning): frozen
 * weights get no weight-gradient op, back-propagation stops at the earliest trained layer, partial-channel layers save
 * and differentiate only their kept channels.
 */
public final class TrainCompiler {
    private final Graph graph;
    private final TrainSpec spec;
    private final List<Buf> bufs = new ArrayList<>();
    private final List<Instr> step = new ArrayList<>();
    private final List<Param> params = new ArrayList<>();
    private final Map<Tensor, Buf> act = new IdentityHashMap<>();
    private final Map<Tensor, Buf> grad = new IdentityHashMap<>();
    private final Set<Tensor> needsGrad = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<Op, Buf> masks = new IdentityHashMap<>();
    private final Map<Conv2D, TrainedConv> trainedByOp = new IdentityHashMap<>();
    /** Buffers the rules remembered for later ones (a conv's saved input). */
    private final Map<Object, Buf> kept = new IdentityHashMap<>();
    /** Tensors whose gradient the backward rules emitted so far have written. */
    private final Set<Tensor> written = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<Conv2D, Param[]> convParams = new IdentityHashMap<>();
    /** Views: tensor -> the tensor whose buffers it shares ({@link Lowering#alias}). */
    private final Map<Tensor, Tensor> aliases = new IdentityHashMap<>();

    private TrainCompiler(Graph graph, TrainSpec spec) {
        this.graph = graph;
        this.spec = spec;
    }

    public static Program compile(Graph graph, TrainSpec spec) {
        return new TrainCompiler(graph, spec).run();
    }

    /** Index of the classifier in {@code graph.ops}: the last conv or fully connected op. */
    public static int classifierIndex(Graph graph) {
        for (int i = graph.ops.size() - 1; i >= 0; i--) {
            Op op = graph.ops.get(i);
            if (op instanceof Conv2D || op instanceof FullyConnected) {
                return i;
            }
        }
        throw new KtException("model '" + graph.name + "' has no convolution or fully connected layer to use as classifier");
    }

    /** The number of values the model's own last weighted layer (its classifier) puts out. */
    public static int outputs(Graph graph) {
        return graph.ops.get(classifierIndex(graph)).output().elements();
    }

    /**
     * The convolutions before the classifier, in execution order: the paper's conv indices. A fully connected layer
     * of the backbone counts as the 1x1 convolution it trains as ({@link FullyConnected#asConv()}).
     */
    public static List<Conv2D> backboneConvs(Graph graph) {
        List<Conv2D> out = new ArrayList<>();
        for (Op op : backboneLayers(graph)) {
            out.add(weighted(op));
        }
        return out;
    }

    /** The graph's operators behind {@link #backboneConvs}, one for one: convolutions and fully connected layers. */
    public static List<Op> backboneLayers(Graph graph) {
        int cls = classifierIndex(graph);
        List<Op> out = new ArrayList<>();
        for (int i = 0; i < cls; i++) {
            if (weighted(graph.ops.get(i)) != null) {
                out.add(graph.ops.get(i));
            }
        }
        return out;
    }

    /** The convolution a weighted operator trains as (a fully connected layer: its 1x1 form), or null. */
    public static Conv2D weighted(Op op) {
        return op instanceof Conv2D c ? c : op instanceof FullyConnected f ? f.asConv() : null;
    }

    private Buf buf(String name, Buf.Kind kind, DType dtype, int elements) {
        Buf b = new Buf(bufs.size(), name, kind, dtype, elements);
        bufs.add(b);
        return b;
    }

    private Program run() {
        TrainSpec.Task task = spec.task();
        boolean regress = task.mse();
        boolean binary = task == TrainSpec.Task.BINARY;
        if (!regress && spec.numClasses() < 2) {
            throw new KtException("training needs at least 2 classes, got " + spec.numClasses());
        }
        if (binary && spec.numClasses() != 2) {
            throw new KtException("--task binary needs 2 classes (labels 0 and 1), the data has " + spec.numClasses());
        }
        int cls = classifierIndex(graph);
        Op classifier = graph.ops.get(cls);
        Tensor feature = classifier instanceof Conv2D c ? c.input : ((FullyConnected) classifier).input;
        if (feature.quant == null || !feature.quant.perTensor() || feature.dtype != DType.INT8) {
            throw new KtException("classifier input '" + feature.name + "' of model '" + graph.name
                    + "' is not a per-tensor int8 activation");
        }
        if (task == TrainSpec.Task.AUTOENCODE && classifier.output().elements() != graph.input.elements()) {
            throw new KtException("--task autoencode: model '" + graph.name + "' has " + classifier.output().elements()
                    + " output values (its last layer '" + classifier.name + "') for " + graph.input.elements()
                    + " input values; an autoencoder reconstructs its input");
        }
        if (regress && classifier.output().elements() != spec.numClasses()) {
            throw new KtException("model '" + graph.name + "' has " + classifier.output().elements() + " output values"
                    + " (its last layer '" + classifier.name + "'), the data " + spec.numClasses()
                    + " regression targets per sample");
        }
        if (task == TrainSpec.Task.CLASSIFY_KEEP_HEAD && classifier.output().elements() != spec.numClasses()) {
            throw new KtException("--task classify-keep-head: model '" + graph.name + "' has "
                    + classifier.output().elements() + " outputs (its classifier '" + classifier.name + "'), the data "
                    + spec.numClasses() + " classes; --task classify trains a new head for them");
        }
        // the regressions, the autoencoder and classify-keep-head keep the model's own last layer (a fully connected
        // one as the same 1x1 convolution)
        Int8Head own = task.ownOutput() && classifier instanceof FullyConnected fcOwn ? Int8Head.own(fcOwn) : null;
        boolean keep = spec.keepClassifier() && own == null;
        if (keep) {
            if (!(classifier instanceof Conv2D)) {
                throw new KtException("model '" + graph.name + "': keeping the classifier needs a convolution classifier,"
                        + " this one is " + classifier.kind());
            }
            if (classifier.output().elements() != spec.numClasses()) {
                throw new KtException("model '" + graph.name + "': its classifier has " + classifier.output().elements()
                        + " outputs, the data has " + spec.numClasses() + " classes; use a new head");
            }
        }
        // A new int8 head joins the trained ops as one more (1x1) convolution after the backbone.
        Int8Head int8Head = own != null ? own : !keep && spec.head() == TrainSpec.Head.INT8
                ? Int8Head.build(classifier, feature, binary ? 1 : spec.numClasses(), spec.seed()) : null;
        List<Op> backbone = new ArrayList<>(graph.ops.subList(0, keep ? cls + 1 : cls));
        if (int8Head != null) {
            if (int8Head.reshape != null) {
                backbone.add(int8Head.reshape);
            }
            backbone.add(int8Head.conv);
        }
        for (int i = cls + 1; i < graph.ops.size(); i++) {
            Op op = graph.ops.get(i);
            if (regress && op instanceof Softmax) {
                throw new KtException("model '" + graph.name + "' ends in SOFTMAX (operator " + i + "): its output is"
                        + " a class vector, not values to " + (task == TrainSpec.Task.AUTOENCODE ? "reconstruct"
                        : "regress") + "; use --task classify");
            }
            if (!(op instanceof Softmax || op instanceof Reshape)) {
                throw new KtException("model '" + graph.name + "': operator " + i + " (" + op.kind()
                        + ") follows the classifier; kilotrain replaces the classifier and can drop only reshapes and softmax after it");
            }
        }
        List<Conv2D> convs = backboneConvs(graph);
        spec.scheme().validate(convs.size(), graph.name);

        // What trains
        List<TrainedConv> trained = new ArrayList<>();
        for (int i = 0; i < convs.size(); i++) {
            Conv2D c = convs.get(i);
            boolean bias = c.bias != null && spec.scheme().trainsBias(i, convs.size());
            double ratio = spec.scheme().weightRatio(i);
            int[] kept = ratio > 0 ? ChannelSelection.keep(c, ratio) : null;
            if (bias || kept != null) {
                TrainedConv tc = new TrainedConv(i, c, bias, kept, ratio);
                trained.add(tc);
                trainedByOp.put(c, tc);
            }
        }
        if (keep || int8Head != null) {
            Conv2D c = keep ? (Conv2D) classifier : int8Head.conv;
            TrainedConv tc = new TrainedConv(convs.size(), c, c.bias != null, ChannelSelection.keep(c, 1.0), 1.0);
            trained.add(tc);
            trainedByOp.put(c, tc);
        }

        // Which activations need a gradient: those downstream of a trained parameter.
        for (Op op : backbone) {
            Conv2D w = weighted(op);
            boolean ng = w != null && trainedByOp.containsKey(w);
            for (Tensor t : op.inputs()) {
                ng |= needsGrad.contains(t);
            }
            if (ng) {
                needsGrad.add(op.output());
            }
        }
        boolean backboneTrains = !trained.isEmpty();

        Buf input = buf("input", Buf.Kind.INPUT, DType.INT8, graph.input.elements());
        act.put(graph.input, input);
        emitForward(backbone);

        int n = binary ? 1 : spec.numClasses();
        Buf logits = buf("logits", Buf.Kind.LOGITS, DType.FLOAT32, n);
        Buf loss = buf("loss", Buf.Kind.LOSS, DType.FLOAT32, 1);
        Buf gLogits = buf("logits.grad", Buf.Kind.GRAD, DType.FLOAT32, n);
        if (regress) {
            // predictions: the model's own output dequantized with its own scale and zero point
            Conv2D head = keep ? (Conv2D) classifier : int8Head.conv;
            Tensor out = head.output;
            Quant yq = out.quant;
            step.add(new DequantizeFwd(act.get(out), logits, yq.scale(), yq.zeroPoint(), false));
            Quant tq = task == TrainSpec.Task.AUTOENCODE ? graph.input.quant : yq;
            if (task == TrainSpec.Task.AUTOENCODE && (tq == null || !tq.perTensor())) {
                throw new KtException("--task autoencode: the input of model '" + graph.name + "' has no per-tensor"
                        + " quantization to compare the output with");
            }
            step.add(task == TrainSpec.Task.REGRESS ? new MseGrad(logits, loss, gLogits)
                    : new MseGrad(logits, loss, gLogits, task == TrainSpec.Task.AUTOENCODE ? TargetKind.INPUT
                            : TargetKind.INT8, tq.scale(), tq.zeroPoint()));
            step.add(new DequantizeBwd(gLogits, yq.scale(), gradBuf(out)));
            emitBackward(backbone, out);
        } else if (keep) {
            // d logits / d q = 1: the classifier output's gradient is the logits' gradient
            step.add(new DequantizeFwd(act.get(classifier.output()), logits));
            step.add(new LossGrad(logits, loss, gLogits));
            grad.put(classifier.output(), gLogits);
            emitBackward(backbone, classifier.output());
        } else if (int8Head != null) {
            Tensor out = int8Head.conv.output;
            Quant yq = out.quant;
            step.add(new DequantizeFwd(act.get(out), logits, yq.scale(), yq.zeroPoint(), false));
            step.add(binary ? new BceGrad(logits, loss, gLogits) : new LossGrad(logits, loss, gLogits, own != null));
            step.add(new DequantizeBwd(gLogits, yq.scale(), gradBuf(out)));
            emitBackward(backbone, out);
        } else {
            int f = feature.elements();
            Quant fq = feature.quant;
            Buf featureBuf = act.get(feature);
            Buf headW = buf("head.weight", Buf.Kind.PARAM, DType.FLOAT32, n * f);
            Buf headB = buf("head.bias", Buf.Kind.PARAM, DType.FLOAT32, n);
            Buf gHeadW = buf("head.weight.grad", Buf.Kind.GRAD, DType.FLOAT32, n * f);
            Buf gHeadB = buf("head.bias.grad", Buf.Kind.GRAD, DType.FLOAT32, n);
            float[][] init = HeadInit.uniform(n, f, spec.seed());
            params.add(new Param("head.weight", Param.Role.HEAD_WEIGHT, null, headW, gHeadW, null, null, f, init[0]));
            params.add(new Param("head.bias", Param.Role.HEAD_BIAS, null, headB, gHeadB, null, null, 1, init[1]));
            step.add(new HeadFwd(featureBuf, fq.scale(), fq.zeroPoint(), headW, headB, logits));
            step.add(binary ? new BceGrad(logits, loss, gLogits) : new LossGrad(logits, loss, gLogits));
            Buf gFeature = null;
            if (backboneTrains && needsGrad.contains(feature)) {
                gFeature = gradBuf(feature);
            }
            step.add(new HeadBwd(gLogits, featureBuf, fq.scale(), fq.zeroPoint(), headW, gHeadW, gHeadB,
                    gFeature));
            if (gFeature != null) {
                emitBackward(backbone, feature);
            }
        }
        // Conv params after the head's, ordered from the input (stable for export and C).
        List<Param> convOrdered = new ArrayList<>();
        for (TrainedConv tc : trained) {
            Param[] p = convParams.get(tc.op);
            if (p == null) {
                throw new IllegalStateException("trained conv " + tc.index + " received no gradient");
            }
            for (Param q : p) {
                if (q != null) {
                    convOrdered.add(q);
                }
            }
        }
        params.addAll(convOrdered);
        return new Program(graph, step, bufs, params, trained, input, logits, loss, n, convs.size());
    }

    private Tensor canon(Tensor t) {
        Tensor c = aliases.get(t);
        return c == null ? t : c;
    }

    private Buf actBuf(Tensor t) {
        return act.computeIfAbsent(canon(t), x -> buf(x.name, Buf.Kind.ACT, DType.INT8, x.elements()));
    }

    private Buf gradBuf(Tensor t) {
        return grad.computeIfAbsent(canon(t), x -> buf(x.name + ".grad", Buf.Kind.GRAD, DType.FLOAT32, x.elements()));
    }

    private Buf mask(Op op) {
        return masks.computeIfAbsent(op, o -> buf(o.output().name + ".mask", Buf.Kind.MASK, DType.INT8,
                o.output().elements()));
    }

    private void emitForward(List<Op> backbone) {
        for (Op op : backbone) {
            Operators.training(op).forward(op, lowering);
        }
    }

    /** [weight param or null, bias param or null] of a trained conv. */
    private Param[] convParameters(TrainedConv tc) {
        return convParams.computeIfAbsent(tc.op, op -> {
            Param[] p = new Param[2];
            int cout = op.output.channels();
            double[] sw = perChannel(op.weight.quant.scalesDouble, cout);
            if (tc.weights()) {
                int[] kept = tc.partial() ? tc.keptChannels : null;
                int[] index = ConvBackward.weightSliceIndex(op, kept);
                int[] rows = ConvBackward.weightGradRowChannels(op, kept);
                float[] perChannel = Qas.weightFactors(sw);
                float[] qas = new float[rows.length];
                for (int r = 0; r < rows.length; r++) {
                    qas[r] = perChannel[rows[r]];
                }
                byte[] init = new byte[index.length];
                for (int i = 0; i < index.length; i++) {
                    init[i] = op.weight.int8Data[index[i]];
                }
                String name = "conv" + tc.index + ".weight";
                p[0] = new Param(name, Param.Role.CONV_WEIGHT, tc, buf(name, Buf.Kind.PARAM, DType.INT8, index.length),
                        buf(name + ".grad", Buf.Kind.GRAD, DType.FLOAT32, index.length), qas, rows,
                        index.length / rows.length, init);
            }
            if (tc.bias) {
                int[] rows = new int[cout];
                for (int c = 0; c < cout; c++) {
                    rows[c] = c;
                }
                String name = "conv" + tc.index + ".bias";
                p[1] = new Param(name, Param.Role.CONV_BIAS, tc, buf(name, Buf.Kind.PARAM, DType.INT32, cout),
                        buf(name + ".grad", Buf.Kind.GRAD, DType.FLOAT32, cout),
                        Qas.biasFactors(sw, op.input.quant.scaleDouble()), rows, 1, op.bias.int32Data.clone());
            }
            return p;
        });
    }

    private static double[] perChannel(double[] scales, int channels) {
        if (scales.length == channels) {
            return scales;
        }
        double[] out = new double[channels];
        java.util.Arrays.fill(out, scales[0]);
        return out;
    }

    private void emitBackward(List<Op> backbone, Tensor feature) {
        written.add(feature);
        for (int i = backbone.size() - 1; i >= 0; i--) {
            Op op = backbone.get(i);
            Tensor out = op.output();
            if (needsGrad.contains(out) && written.contains(out)) {
                Operators.training(op).backward(op, lowering);
            }
        }
    }

    /** What the operators' training rules see of this compiler. */
    private final Lowering lowering = new Lowering() {
        public Buf act(Tensor t) {
            return act.get(canon(t));
        }

        public void alias(Tensor view, Tensor of) {
            Tensor target = canon(of);
            if (view.elements() != target.elements() || view.dtype != target.dtype) {
                throw new IllegalArgumentException(view + " cannot be a view of " + target);
            }
            if (act.containsKey(view) || grad.containsKey(view) || aliases.containsKey(view)) {
                throw new IllegalStateException(view + " has buffers already; alias it before use");
            }
            aliases.put(view, target);
        }

        public Buf newAct(Tensor t) {
            return actBuf(t);
        }

        public boolean needsGrad(Tensor t) {
            return needsGrad.contains(canon(t));
        }

        public Buf mask(Op op) {
            return TrainCompiler.this.mask(op);
        }

        public Buf grad(Tensor t) {
            return gradBuf(t);
        }

        public boolean gradWritten(Tensor t) {
            return written.contains(canon(t));
        }

        public void gradWrote(Tensor t) {
            written.add(canon(t));
        }

        public Buf buf(String name, Buf.Kind kind, DType dtype, int elements) {
            return TrainCompiler.this.buf(name, kind, dtype, elements);
        }

        public void emit(Instr in) {
            step.add(in);
        }

        public TrainedConv trained(Conv2D c) {
            return trainedByOp.get(c);
        }

        public Param[] convParams(TrainedConv tc) {
            return convParameters(tc);
        }

        public void keep(Object key, Buf b) {
            kept.put(key, b);
        }

        public Buf kept(Object key) {
            return kept.get(key);
        }
    };
}
