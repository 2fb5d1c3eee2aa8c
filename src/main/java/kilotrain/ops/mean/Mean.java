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

/**
 * MEAN of an int8 tensor over the spatial axes of NHWC ({@code [N, H, W, C] -> [N, 1, 1, C]} or {@code [N, C]}), the
 * form Keras' GlobalAveragePooling2D exports. Two integer rules, as TFLite Micro's reference kernel chooses them:
 * with input and output quantized alike, the int32 sum divided by the count truncating toward zero; otherwise the
 * zero-point-corrected sum times the fixed-point multiplier of {@code s_in / s_out} with {@code 1 / count} folded in
 * ({@code QuantizedMeanOrSum}), plus the output zero point, saturated to int8.
 */
public final class Mean extends OneInputOp {
    public final boolean sameQuant;
    /** The requantization of the sum with {@code 1 / count} folded in (unused when {@link #sameQuant}). */
    public final int multiplier, shift;

    public Mean(String name, Tensor input, Tensor output) {
        super(name, input, output);
        if (input.rank() != 4 || output.elements() != input.dim(0) * input.channels()
                || output.dim(-1) != input.channels()) {
            throw new IllegalArgumentException("Mean '" + name + "': expects an NHWC input [N, H, W, C] reduced over "
                    + "H and W to N x C values, got " + Arrays.toString(input.shape) + " -> "
                    + Arrays.toString(output.shape));
        }
        this.sameQuant = input.quant.equals(output.quant);
        int count = input.height() * input.width();
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

    public static Mean read(TfliteOperator op) {
        op.arity(2, 2);
        Tensor x = op.input(0), y = op.output();
        int[] axes = op.ints(1, "axes");
        if (x.rank() != 4) {
            throw op.error("MEAN of a rank-" + x.rank() + " input is not supported; kilotrain supports the mean over "
                    + "H and W of an NHWC tensor");
        }
        int[] resolved = Arrays.stream(axes).map(a -> a < 0 ? a + 4 : a).distinct().sorted().toArray();
        if (!Arrays.equals(resolved, new int[] {1, 2})) {
            throw op.error("MEAN over axes " + Arrays.toString(axes) + " is not supported; kilotrain supports the mean"
                    + " over H and W (axes [1, 2]) of an NHWC tensor");
        }
        // keep_dims only shapes the output ([1,1,1,C] or [1,C]); the output tensor states it.
        op.optionsIfAny(BuiltinOptions.ReducerOptions, new ReducerOptions());
        return new Mean(op.name(), x, y);
    }

    @Override
    public String kind() {
        return "Mean";
    }

    @Override
    public Forward bind(Binder b) {
        int in = b.slot(input), out = b.slot(output);
        int pixels = input.height() * input.width(), c = input.channels(), batch = input.dim(0);
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
        double count = input.height() * input.width();
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
