package kilotrain.ops.elementwise;

import java.util.Arrays;

import kilotrain.ir.BinaryOp;
import kilotrain.ir.Op;
import kilotrain.ir.Tensor;
import kilotrain.ops.Binder;
import kilotrain.ops.Forward;
import kilotrain.ops.StridedIndex;
import kilotrain.ops.TfliteOperator;
import kilotrain.ops.add.Rescale;
import kilotrain.ops.requant.FixedPointMath;
import kilotrain.ops.tflite.schema.AddOptions;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.MulOptions;
import kilotrain.ops.tflite.schema.SubOptions;
import kilotrain.ops.TfliteOptions;

/**
 * Elementwise int8 MUL, SUB and (broadcasting) ADD with numpy broadcasting between the two operands (either may be
 * a constant of the model), as TFLite's reference integer kernels compute them:
 * <ul>
 * <li>MUL: {@code z_y + MultiplyByQuantizedMultiplier((a - z_a) * (b - z_b), M(s_a * s_b / s_y))};</li>
 * <li>SUB and ADD: TFLite's fixed-point rule ({@link Rescale}: both operands shifted left by 20, rescaled to twice
 * the larger input scale, subtracted or added and rescaled to the output), the multipliers of SUB from float32
 * quotients as TFLite Micro's SUB prepares them, those of ADD as the same-shape ADD's.</li>
 * </ul>
 * The result is clamped to the fused activation's range.
 */
public final class Binary extends BinaryOp {
    /** ADD's options, written again by the TFLite export. */
    public static final TfliteOptions ADD_OPTIONS = TfliteOptions.of(BuiltinOptions.AddOptions, AddOptions::new,
            (o, fb) -> AddOptions.createAddOptions(fb, o.fusedActivationFunction()));

    /** MUL's options, written again by the TFLite export. */
    public static final TfliteOptions MUL_OPTIONS = TfliteOptions.of(BuiltinOptions.MulOptions, MulOptions::new,
            (o, fb) -> MulOptions.createMulOptions(fb, o.fusedActivationFunction()));

    /** SUB's options, written again by the TFLite export. */
    public static final TfliteOptions SUB_OPTIONS = TfliteOptions.of(BuiltinOptions.SubOptions, SubOptions::new,
            (o, fb) -> SubOptions.createSubOptions(fb, o.fusedActivationFunction(), o.potScaleInt16()));

    public enum Kind { ADD, SUB, MUL }

    public final Kind kind;
    final int za, zb, zy;
    /** MUL's multiplier of {@code s_a * s_b / s_y}. */
    final int mult, shift;
    /** ADD's and SUB's fixed-point rule (null for MUL). */
    final Rescale rescale;

    public Binary(String name, Kind kind, Tensor a, Tensor b, Tensor output, int actMin, int actMax) {
        super(name, a, b, output, actMin, actMax);
        this.kind = kind;
        int[] shape = broadcastShape(a.shape, b.shape);
        if (shape == null || !Arrays.equals(shape, output.shape)) {
            throw new IllegalArgumentException(kind + " '" + name + "': shapes " + Arrays.toString(a.shape) + " and "
                    + Arrays.toString(b.shape) + " do not broadcast to the output " + Arrays.toString(output.shape));
        }
        za = a.quant.zeroPoint();
        zb = b.quant.zeroPoint();
        zy = output.quant.zeroPoint();
        float sa = a.quant.scale(), sb = b.quant.scale(), sy = output.quant.scale();
        if (kind == Kind.MUL) {
            FixedPointMath.Multiplier q = FixedPointMath.quantizeMultiplier((double) sa * (double) sb / (double) sy);
            mult = q.multiplier();
            shift = q.shift();
            rescale = null;
        } else {
            mult = 0;
            shift = 0;
            rescale = kind == Kind.ADD ? Rescale.add(sa, za, sb, zb, sy, zy) : Rescale.sub(sa, za, sb, zb, sy, zy);
        }
    }

    /** numpy's broadcast of two shapes (right-aligned, 1 stretches), or null when they do not broadcast. */
    static int[] broadcastShape(int[] x, int[] y) {
        int rank = Math.max(x.length, y.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int dx = i < rank - x.length ? 1 : x[i - (rank - x.length)];
            int dy = i < rank - y.length ? 1 : y[i - (rank - y.length)];
            if (dx != dy && dx != 1 && dy != 1) {
                return null;
            }
            out[i] = Math.max(dx, dy);
        }
        return out;
    }

    /** ADD: the same-shape form stays the IR's {@link Add} (which trains); broadcasting or constants come here. */
    public static Op readAdd(TfliteOperator op) {
        op.arity(2, 2);
        Tensor x = op.operand(0), z = op.operand(1), y = op.output();
        if (!x.isConstant() && !z.isConstant() && Arrays.equals(x.shape, y.shape) && Arrays.equals(z.shape, y.shape)) {
            return op.add();
        }
        AddOptions o = op.options(BuiltinOptions.AddOptions, new AddOptions());
        return read(op, Kind.ADD, o.fusedActivationFunction());
    }

    public static Binary readMul(TfliteOperator op) {
        op.arity(2, 2);
        MulOptions o = op.optionsIfAny(BuiltinOptions.MulOptions, new MulOptions());
        return read(op, Kind.MUL, o == null ? 0 : o.fusedActivationFunction());
    }

    public static Binary readSub(TfliteOperator op) {
        op.arity(2, 2);
        SubOptions o = op.optionsIfAny(BuiltinOptions.SubOptions, new SubOptions());
        return read(op, Kind.SUB, o == null ? 0 : o.fusedActivationFunction());
    }

    private static Binary read(TfliteOperator op, Kind kind, int act) {
        Tensor x = op.operand(0), z = op.operand(1), y = op.output();
        if (x.isConstant() && z.isConstant()) {
            throw op.error("both operands are constants; kilotrain needs one computed by the graph");
        }
        int[] range = op.activationRange(act, y);
        return new Binary(op.name(), kind, x, z, y, range[0], range[1]);
    }

    @Override
    public String kind() {
        return switch (kind) {
            case ADD -> "Add";
            case SUB -> "Sub";
            case MUL -> "Mul";
        };
    }

    @Override
    public long macs() {
        return kind == Kind.MUL ? output.elements() : 0;
    }

    /** One output value from the two int8 operands. */
    int apply(int qa, int qb) {
        return Math.min(actMax, Math.max(actMin, unclamped(qa, qb)));
    }

    /** The output before the activation clamp. */
    int unclamped(int qa, int qb) {
        return kind == Kind.MUL ? zy + FixedPointMath.multiplyByQuantizedMultiplier((qa - za) * (qb - zb), mult, shift)
                : rescale.unclamped(qa, qb);
    }

    /** The inference binding (registered in {@code Operators}): bound once, run per sample. */
    public Forward bind(Binder binder) {
        int n = output.elements(), rank = output.rank();
        int[] ia = indexMap(a.shape, output.shape), ib = indexMap(b.shape, output.shape);
        int sa = a.isConstant() ? -1 : binder.slot(a), sb = b.isConstant() ? -1 : binder.slot(b);
        int out = binder.slot(output);
        byte[] ca = a.int8Data, cb = b.int8Data;
        return (s, sc) -> {
            byte[] x = sa < 0 ? ca : s[sa], z = sb < 0 ? cb : s[sb], y = s[out];
            for (int i = 0; i < n; i++) {
                y[i] = (byte) apply(x[ia == null ? i : ia[i]], z[ib == null ? i : ib[i]]);
            }
        };
    }

    /** For each output index the operand's flat index under broadcasting, or null when the shapes are equal. */
    public static int[] indexMap(int[] shape, int[] outShape) {
        if (Arrays.equals(shape, outShape)) {
            return null;
        }
        int rank = outShape.length;
        int[] own = StridedIndex.strides(shape), steps = new int[rank];
        for (int d = 0; d < rank; d++) {
            int sd = d - (rank - shape.length);
            steps[d] = sd < 0 || shape[sd] == 1 ? 0 : own[sd];
        }
        return StridedIndex.map(outShape, 0, steps);
    }
}
