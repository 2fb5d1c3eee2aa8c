package kilotrain.ops;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import kilotrain.KtException;
import kilotrain.ir.Add;
import kilotrain.ir.AvgPool2D;
import kilotrain.ir.Conv2D;
import kilotrain.ir.FullyConnected;
import kilotrain.ir.Op;
import kilotrain.ir.Reshape;
import kilotrain.ir.Softmax;
import kilotrain.ops.activation.HardSwish;
import kilotrain.ops.activation.LeakyRelu;
import kilotrain.ops.activation.Prelu;
import kilotrain.ops.activation.PreluTraining;
import kilotrain.ops.activation.Sigmoid;
import kilotrain.ops.activation.Relu;
import kilotrain.ops.add.AddKernel;
import kilotrain.ops.add.AddTraining;
import kilotrain.ops.concat.ConcatTraining;
import kilotrain.ops.concat.Concatenation;
import kilotrain.ops.conv.ConvEntry;
import kilotrain.ops.conv.ConvKernel;
import kilotrain.ops.conv.ConvTraining;
import kilotrain.ops.core.TrainRule;
import kilotrain.ops.elementwise.Binary;
import kilotrain.ops.elementwise.BinaryTraining;
import kilotrain.ops.fc.FcEntry;
import kilotrain.ops.fc.FcTraining;
import kilotrain.ops.gather.GatherTraining;
import kilotrain.ops.fc.FullyConnectedKernel;
import kilotrain.ops.maxpool.MaxPool2D;
import kilotrain.ops.maxpool.MaxPoolTraining;
import kilotrain.ops.mean.Mean;
import kilotrain.ops.mean.MeanTraining;
import kilotrain.ops.pad.Pad;
import kilotrain.ops.pool.AvgPoolKernel;
import kilotrain.ops.pool.PoolEntry;
import kilotrain.ops.pool.PoolTraining;
import kilotrain.ops.quantize.Requantize;
import kilotrain.ops.reshape.ReshapeEntry;
import kilotrain.ops.reshape.ReshapeKernel;
import kilotrain.ops.reshape.ReshapeTraining;
import kilotrain.ops.resize.ResizeNearestNeighbor;
import kilotrain.ops.slice.StridedSlice;
import kilotrain.ops.softmax.SoftmaxEntry;
import kilotrain.ops.softmax.SoftmaxKernel;
import kilotrain.ops.table.TableTraining;
import kilotrain.ops.transpose.Transpose;

/**
 * The one registry of operators: one line per operator, mapping its TFLite builtin operator(s) to its import rule and
 * its IR class to its inference binding, and (training side) its IR class to its {@link TrainRule} (forward
 * instructions and gradient rule, in the operator's folder). Everything that imports, runs or trains a graph goes
 * through here, so adding an operator is one folder ({@code kilotrain.ops.<op>}: IR node, import rule, TFLite options
 * export, kernel, training rule, tests) plus its lines below.
 */
public final class Operators {
    /** Reads one TFLite operator into its IR node. */
    @FunctionalInterface
    public interface ImportRule<T extends Op> {
        T read(TfliteOperator op);
    }

    /** Binds an IR node of this operator for inference. */
    @FunctionalInterface
    public interface Binding<T extends Op> {
        Forward bind(T op, Binder b);
    }

    /** What {@code inspect} shows of an operator besides its shapes, parameters, MACs and activation bytes. */
    @FunctionalInterface
    public interface Details<T extends Op> {
        /** Field name to value (a string or a number), in display order. */
        Map<String, Object> of(T op);
    }

    /**
     * One registration: the TFLite builtin names it imports, its IR class, its import rule, its inference binding,
     * how the TFLite export writes its options again, and what {@code inspect} shows of it besides the counts.
     */
    public record Entry<T extends Op>(List<String> builtins, Class<T> type, ImportRule<?> rule, Binding<T> forward,
            TfliteOptions options, Details<T> details) {
        /** This registration with {@code inspect}'s extra fields. */
        Entry<T> details(Details<T> d) {
            return new Entry<>(builtins, type, rule, forward, options, d);
        }
    }

    private static final List<Entry<?>> ALL = List.of(
            legacy("CONV_2D", Conv2D.class, o -> o.conv2d(false), Operators::conv, ConvEntry.CONV_OPTIONS)
                    .details(ConvEntry::details),
            legacy("DEPTHWISE_CONV_2D", Conv2D.class, o -> o.conv2d(true), Operators::conv,
                    ConvEntry.DEPTHWISE_OPTIONS).details(ConvEntry::details),
            legacy("FULLY_CONNECTED", FullyConnected.class, TfliteOperator::fullyConnected, Operators::fc,
                    FcEntry.OPTIONS).details(FcEntry::details),
            legacy("AVERAGE_POOL_2D", AvgPool2D.class, TfliteOperator::averagePool, Operators::avgPool,
                    PoolEntry.OPTIONS),
            legacy("ADD", Add.class, Binary::readAdd, Operators::add, Binary.ADD_OPTIONS),
            legacy("RESHAPE SQUEEZE EXPAND_DIMS", Reshape.class, TfliteOperator::reshape, Operators::reshape,
                    ReshapeEntry.OPTIONS),
            legacy("SOFTMAX", Softmax.class, TfliteOperator::softmax, Operators::softmax, SoftmaxEntry.OPTIONS),
            op("PAD PADV2", Pad.class, Pad::read, Pad.OPTIONS),
            op("MEAN", Mean.class, Mean::read, Mean.OPTIONS),
            op("MAX_POOL_2D", MaxPool2D.class, MaxPool2D::read, PoolEntry.OPTIONS),
            op("CONCATENATION", Concatenation.class, Concatenation::read, Concatenation.OPTIONS),
            op("QUANTIZE", Requantize.class, Requantize::read, TfliteOptions.NONE),
            op("RELU", Relu.class, Relu::readRelu, TfliteOptions.NONE),
            op("RELU6", Relu.class, Relu::readRelu6, TfliteOptions.NONE),
            op("LEAKY_RELU", LeakyRelu.class, LeakyRelu::read, LeakyRelu.OPTIONS),
            legacy("MUL", Binary.class, Binary::readMul, Binary::bind, Binary.MUL_OPTIONS),
            legacy("SUB", Binary.class, Binary::readSub, Binary::bind, Binary.SUB_OPTIONS),
            op("PRELU", Prelu.class, Prelu::read, TfliteOptions.NONE),
            op("LOGISTIC", Sigmoid.class, Sigmoid::readLogistic, TfliteOptions.NONE),
            op("TANH", Sigmoid.class, Sigmoid::readTanh, TfliteOptions.NONE),
            op("HARD_SWISH", HardSwish.class, HardSwish::read, TfliteOptions.NONE),
            op("TRANSPOSE", Transpose.class, Transpose::read, TfliteOptions.NONE),
            op("STRIDED_SLICE", StridedSlice.class, StridedSlice::read, StridedSlice.OPTIONS),
            op("RESIZE_NEAREST_NEIGHBOR", ResizeNearestNeighbor.class, ResizeNearestNeighbor::read,
                    ResizeNearestNeighbor.OPTIONS));

    private static final Map<Integer, Entry<?>> BY_CODE = new HashMap<>();
    private static final Map<Class<?>, Entry<?>> BY_TYPE = new LinkedHashMap<>();
    private static final Map<Class<? extends Op>, TrainRule<?>> TRAINING = new IdentityHashMap<>();

    static {
        train(Conv2D.class, new ConvTraining());
        train(FullyConnected.class, new FcTraining());
        train(AvgPool2D.class, new PoolTraining());
        train(Add.class, new AddTraining());
        train(Reshape.class, new ReshapeTraining());
        train(Binary.class, new BinaryTraining());
        train(Prelu.class, new PreluTraining());
        train(Relu.class, new TableTraining<>());
        train(LeakyRelu.class, new TableTraining<>());
        train(Sigmoid.class, new TableTraining<>());
        train(HardSwish.class, new TableTraining<>());
        train(Requantize.class, new TableTraining<>());
        train(Pad.class, new GatherTraining<>());
        train(Mean.class, new MeanTraining());
        train(MaxPool2D.class, new MaxPoolTraining());
        train(Concatenation.class, new ConcatTraining());
        train(Transpose.class, new GatherTraining<>());
        train(StridedSlice.class, new GatherTraining<>());
        train(ResizeNearestNeighbor.class, new GatherTraining<>());
    }

    static {
        for (Entry<?> e : ALL) {
            for (String b : e.builtins()) {
                if (BY_CODE.put(TfliteBuiltins.code(b), e) != null) {
                    throw new IllegalStateException(b + " is registered twice");
                }
            }
            BY_TYPE.putIfAbsent(e.type(), e);
        }
    }

    private Operators() {
    }

    private static <T extends Op> void train(Class<T> type, TrainRule<T> rule) {
        if (TRAINING.put(type, rule) != null) {
            throw new IllegalStateException(type.getSimpleName() + " has two training rules");
        }
    }

    /** The training rule of {@code op}; a clear error when the operator cannot be part of a trained backbone. */
    @SuppressWarnings("unchecked")
    public static <T extends Op> TrainRule<T> training(T op) {
        TrainRule<T> rule = (TrainRule<T>) TRAINING.get(op.getClass());
        if (rule == null) {
            throw new KtException("operator " + op + " cannot appear inside a trained backbone");
        }
        return rule;
    }

    private static <T extends ForwardOp> Entry<T> op(String builtins, Class<T> type, ImportRule<T> rule,
            TfliteOptions options) {
        return new Entry<>(List.of(builtins.split(" ")), type, rule, ForwardOp::bind, options, o -> Map.of());
    }

    /**
     * An operator whose IR class is not a {@link ForwardOp} (the classes that predate the operator folders, and the
     * elementwise {@code Binary}, a {@code BinaryOp} like the residual ADD), bound by {@code forward}; its rule may
     * also hand a form the class does not cover to another registered operator (ADD with broadcasting becomes an
     * elementwise {@code Binary}).
     */
    private static <T extends Op> Entry<T> legacy(String builtins, Class<T> type, ImportRule<?> rule,
            Binding<T> forward, TfliteOptions options) {
        return new Entry<>(List.of(builtins.split(" ")), type, rule, forward, options, o -> Map.of());
    }

    /** The registration of a TFLite builtin operator code, or null when kilotrain does not import it. */
    public static Entry<?> forBuiltin(int code) {
        return BY_CODE.get(code);
    }

    /** Every TFLite builtin operator kilotrain imports, sorted by name (for messages and the docs). */
    public static List<String> supportedBuiltins() {
        TreeSet<String> names = new TreeSet<>();
        for (Entry<?> e : ALL) {
            names.addAll(e.builtins());
        }
        names.add("QUANTIZE (float input)");
        names.add("DEQUANTIZE (float output)");
        return Collections.unmodifiableList(new ArrayList<>(names));
    }

    /** What {@code inspect} shows of {@code op} besides its counts (e.g. a convolution's kernel), by its registration. */
    public static Map<String, Object> details(Op op) {
        Entry<?> e = BY_TYPE.get(op.getClass());
        return e == null ? Map.of() : detailsAs(e, op);
    }

    private static <T extends Op> Map<String, Object> detailsAs(Entry<T> e, Op op) {
        return e.details().of(e.type().cast(op));
    }

    /** Binds one operator of a graph for inference through its registration. */
    public static Forward bind(Op op, Binder b) {
        Entry<?> e = BY_TYPE.get(op.getClass());
        if (e == null) {
            throw new KtException("operator " + op + " is not registered in kilotrain.ops.Operators");
        }
        return bindAs(e, op, b);
    }

    private static <T extends Op> Forward bindAs(Entry<T> e, Op op, Binder b) {
        return e.forward().bind(e.type().cast(op), b);
    }

    // Inference bindings of the operators whose IR classes predate the operator folders.

    private static Forward conv(Conv2D c, Binder b) {
        ConvKernel k = ConvKernel.of(c);
        k.reserve(b.scratch());
        int in = b.slot(c.input), out = b.slot(c.output);
        return (s, sc) -> k.forward(s[in], 0, s[out], 0, sc);
    }

    private static Forward fc(FullyConnected f, Binder b) {
        FullyConnectedKernel k = FullyConnectedKernel.of(f);
        k.reserve(b.scratch());
        int in = b.slot(f.input), out = b.slot(f.output);
        return (s, sc) -> k.forward(s[in], 0, s[out], 0, sc);
    }

    private static Forward avgPool(AvgPool2D p, Binder b) {
        int in = b.slot(p.input), out = b.slot(p.output);
        return (s, sc) -> AvgPoolKernel.forward(p, s[in], 0, s[out], 0);
    }

    private static Forward add(Add a, Binder b) {
        AddKernel k = AddKernel.of(a);
        int x1 = b.slot(a.a), x2 = b.slot(a.b), out = b.slot(a.output);
        return (s, sc) -> k.forward(s[x1], 0, s[x2], 0, s[out], 0);
    }

    private static Forward reshape(Reshape r, Binder b) {
        int in = b.slot(r.input), out = b.slot(r.output), n = r.output.elements();
        return (s, sc) -> ReshapeKernel.forward(s[in], 0, s[out], 0, n);
    }

    private static Forward softmax(Softmax sm, Binder b) {
        b.scratch().doubles(sm.input.dim(-1));
        int in = b.slot(sm.input), out = b.slot(sm.output);
        return (s, sc) -> SoftmaxKernel.forward(sm, s[in], 0, s[out], 0, sc.doubles);
    }
}
