package kilotrain.ops.mean;

import java.util.Arrays;

import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.ReducerOptions;
import kilotrain.ir.Tensor;
import kilotrain.ops.Binder;
import kilotrain.ops.Forward;
import kilotrain.ops.OneInputOp;
import kilotrain.ops.TfliteOperator;
import kilotrain.ops.requant.FixedPointMath;
import kilotrain.ops.TfliteOptions;

/**
 * MEAN of an int8 tensor over one run of adjacent axes: the spatial axes of NHWC ({@code [N, H, W, C] -> [N, 1, 1, C]}
 * or {@code [N, C]}, the form Keras' GlobalAveragePooling2D exports), the time axis of {@code [N, T, C]}, the channels,
 * any rank up to 6. The input is then {@code [outer, count, inner]} (the axes before, the reduced ones, the axes after)
 * and the output {@code [outer, inner]}. Two integer rules, as TFLite Micro's reference kernels choose them:
 * with input and output quantized alike, the int32 sum divided by the count truncating toward zero; otherwise the
 * zero-point-corrected sum times the fixed-point multiplier of {@code s_in / s_out} with {@code 1 / count} folded in
 * ({@code QuantizedMeanOrSum}), plus the output zero point, saturated to int8.
 */
public final class Mean extends OneInputOp {
    /** MEAN's options, written again by the TFLite export. */
    public static final TfliteOptions OPTIONS = TfliteOptions.of(BuiltinOptions.ReducerOptions, ReducerOptions::new,
            (o, fb) -> ReducerOptions.createReducerOptions(fb, o.keepDims()));

    public final boolean sameQuant;
    /** The requantization of the sum with {@code 1 / count} folded in (unused when {@link #sameQuant}). */
    public final int multiplier, shift;
    /** The input as {@code [outer, count, inner]}: elements before, inside and after the reduced axes. */
    public final int outer, count, inner;

    /** The mean over H and W of an NHWC input. */
    public Mean(String name, Tensor input, Tensor output) {
        this(name, input, output, new int[] {1, 2});
    }

    /** The mean over {@code axes} (adjacent after resolving negative ones and duplicates, TFLite's convention). */
    public Mean(String name, Tensor input, Tensor output, int[] axes) {
        super(name, input, output);
        int rank = input.rank();
        int[] r = resolve(axes, rank);
        if (r == null) {
            throw new IllegalArgumentException("Mean '" + name + "': axes " + Arrays.toString(axes) + " of a rank-"
                    + rank + " input are not one run of adjacent axes");
        }
        long o = 1, k = 1, in = 1;
        for (int d = 0; d < rank; d++) {
            long v = input.dim(d);
            if (r.length > 0 && d < r[0]) {
                o *= v;
            } else if (r.length > 0 && d <= r[r.length - 1]) {
                k *= v;
            } else {
                in *= v;
            }
        }
        if (output.elements() != o * in) {
            throw new IllegalArgumentException("Mean '" + name + "': " + Arrays.toString(input.shape) + " over axes "
                    + Arrays.toString(r) + " gives " + o * in + " values, the output " + Arrays.toString(output.shape)
                    + " has " + output.elements());
        }
        this.outer = (int) o;
        this.count = (int) k;
        this.inner = (int) in;
        this.sameQuant = input.quant.equals(output.quant);
        FixedPointMath.Multiplier m = FixedPointMath.quantizeMultiplier(
                (double) input.quant.scale() / (double) output.quant.scale());
        // QuantizedMeanOrSum: fold 1/count into the multiplier with shift = floor(log2(count)), capped so that the
        // product stays in range and the final shift stays >= -31.
        int s = 63 - Long.numberOfLeadingZeros(count);
        s = Math.min(s, 32);
        s = Math.min(s, 31 + m.shift());
        this.multiplier = (int) (((long) m.multiplier() << s) / count);
        this.shift = m.shift() - s;
    }

    /**
     * The reduced axes sorted, negative ones resolved and duplicates dropped, or null when they are out of range or
     * not adjacent.
     */
    static int[] resolve(int[] axes, int rank) {
        int[] r = Arrays.stream(axes).map(a -> a < 0 ? a + rank : a).distinct().sorted().toArray();
        for (int i = 0; i < r.length; i++) {
            if (r[i] < 0 || r[i] >= rank || (i > 0 && r[i] != r[i - 1] + 1)) {
                return null;
            }
        }
        return r;
    }

    public static Mean read(TfliteOperator op) {
        op.arity(2, 2);
        Tensor x = op.input(0), y = op.output();
        int[] axes = op.ints(1, "axes");
        if (x.rank() > 6) {
            throw op.error("MEAN of a rank-" + x.rank() + " input is not supported; kilotrain supports inputs of rank"
                    + " up to 6");
        }
        if (resolve(axes, x.rank()) == null) {
            throw op.error("MEAN over axes " + Arrays.toString(axes) + " of a rank-" + x.rank() + " input is not "
                    + "supported; kilotrain supports the mean over one run of adjacent axes (H and W [1, 2] of NHWC, "
                    + "the time axis [1] of [N, T, C], the last axis [-1], ...)");
        }
        // keep_dims only shapes the output; the output tensor states it.
        op.optionsIfAny(BuiltinOptions.ReducerOptions, new ReducerOptions());
        try {
            return new Mean(op.name(), x, y, axes);
        } catch (IllegalArgumentException e) {
            throw op.error(e.getMessage());
        }
    }

    @Override
    public String kind() {
        return "Mean";
    }

    @Override
    public Forward bind(Binder b) {
        int in = b.slot(input), out = b.slot(output);
        int pixels = count, c = inner, batch = outer;
        b.scratch().acc(c);
        int zIn = input.quant.zeroPoint(), zOut = output.quant.zeroPoint();
        return (s, sc) -> {
            for (int n = 0; n < batch; n++) {
                if (sameQuant) {
                    meanSameQuant(s[in], n * pixels * c, pixels, c, s[out], n * c, sc.acc);
                } else {
                    meanRequant(s[in], n * pixels * c, pixels, c, zIn, multiplier, shift, zOut, s[out], n * c, sc.acc);
                }
            }
        };
    }

    /** TFLite's {@code reference_ops::Mean}: the int32 sum divided by the count, truncating toward zero. */
    public static void meanSameQuant(byte[] x, int xOff, int pixels, int c, byte[] y, int yOff, int[] sum) {
        channelSums(x, xOff, pixels, c, sum);
        for (int ch = 0; ch < c; ch++) {
            y[yOff + ch] = (byte) (sum[ch] / pixels);
        }
    }

    /** TFLite's {@code QuantizedMeanOrSum} (mean): requantize {@code sum - zIn * count}. */
    public static void meanRequant(byte[] x, int xOff, int pixels, int c, int zIn, int multiplier, int shift,
            int zOut, byte[] y, int yOff, int[] sum) {
        meanRequant(x, xOff, pixels, c, zIn, multiplier, shift, zOut, y, yOff, sum, null, 0, 0);
    }

    /**
     * The same, recording the clamp mask (bit {@code maskBase + ch} at {@code mask[maskOff..]}, 1 where the result
     * lies in [-128, 127] before saturation) when {@code mask} is not null.
     */
    public static void meanRequant(byte[] x, int xOff, int pixels, int c, int zIn, int multiplier, int shift,
            int zOut, byte[] y, int yOff, int[] sum, byte[] mask, int maskOff, int maskBase) {
        channelSums(x, xOff, pixels, c, sum);
        for (int ch = 0; ch < c; ch++) {
            int v = FixedPointMath.multiplyByQuantizedMultiplier(sum[ch] - zIn * pixels, multiplier, shift) + zOut;
            y[yOff + ch] = (byte) Math.max(-128, Math.min(127, v));
            if (mask != null) {
                kilotrain.ops.conv.ConvMask.put(mask, maskOff, maskBase + ch, v >= -128 && v <= 127);
            }
        }
    }

    /**
     * The gradient's factor {@code d q_y / d q_x} of every input pixel: {@code (float)(s_in / (s_out * count))}
     * (host double, rounded once; {@code 1 / count} when input and output are quantized alike).
     */
    public float gradientFactor() {
        return (float) ((double) input.quant.scale() / ((double) output.quant.scale() * count));
    }

    private static void channelSums(byte[] x, int xOff, int pixels, int c, int[] sum) {
        Arrays.fill(sum, 0, c, 0);
        for (int p = 0; p < pixels; p++) {
            int base = xOff + p * c;
            for (int ch = 0; ch < c; ch++) {
                sum[ch] += x[base + ch];
            }
        }
    }
}
