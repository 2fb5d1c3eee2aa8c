package kilotrain.ops.activation;

import kilotrain.ir.Tensor;
import kilotrain.ops.TableGradient;
import kilotrain.ops.TableOp;
import kilotrain.ops.TfliteOperator;
import kilotrain.ops.requant.FixedPointMath;

/**
 * RELU and RELU6 on int8, as TFLite Micro's reference kernels compute them. RELU requantizes
 * {@code (x - z_in) * s_in / s_out + z_out} with a fixed-point multiplier and clamps below at the output's quantized
 * 0.0 ({@code z_out + round(0 / s_out)}); RELU6 does not requantize: it clamps the input bytes to
 * {@code [z_in, round(6 / s_in) + z_in]} (the input's quantized 0 and 6).
 */
public final class Relu extends TableOp implements TableGradient {
    public final boolean six;
    final int multiplier, shift, lo, hi;

    public Relu(String name, Tensor input, Tensor output, boolean six) {
        super(name, input, output);
        this.six = six;
        float sIn = input.quant.scale(), sOut = output.quant.scale();
        int zIn = input.quant.zeroPoint(), zOut = output.quant.zeroPoint();
        if (six) {
            multiplier = 0;
            shift = 0;
            lo = zIn;
            hi = quantize(6f, sIn, zIn);
        } else {
            FixedPointMath.Multiplier m = FixedPointMath.quantizeMultiplier((double) sIn / (double) sOut);
            multiplier = m.multiplier();
            shift = m.shift();
            lo = Math.max(-128, zOut + Math.round(0f / sOut));
            hi = 127;
        }
    }

    /** TFLite Micro's FloatToQuantizedType: round half away from zero of the float quotient, plus z, saturated. */
    static int quantize(float v, float scale, int zero) {
        float r = v / scale;
        // C's round: half away from zero, exactly (Math.round of the magnitude rounds half up without error)
        long rounded = (long) Math.signum(r) * Math.round((double) Math.abs(r));
        long q = rounded + zero;
        return (int) Math.max(-128, Math.min(127, q));
    }

    public static Relu readRelu(TfliteOperator op) {
        op.arity(1, 1);
        return new Relu(op.name(), op.input(0), op.output(), false);
    }

    public static Relu readRelu6(TfliteOperator op) {
        op.arity(1, 1);
        return new Relu(op.name(), op.input(0), op.output(), true);
    }

    @Override
    public String kind() {
        return six ? "Relu6" : "Relu";
    }

    @Override
    public int apply(int x) {
        return Math.min(Math.max(unclamped(x), lo), hi);
    }

    /** The output before the clamp to [lo, hi]: the input byte (RELU6) or its requantization (RELU). */
    int unclamped(int x) {
        if (six) {
            return x;
        }
        return output.quant.zeroPoint()
                + FixedPointMath.multiplyByQuantizedMultiplier(x - input.quant.zeroPoint(), multiplier, shift);
    }

    /**
     * The clamp mask folded into the slope: where the unclamped output lies in [lo, hi], 1 for RELU6 (the bytes pass
     * unchanged) and {@code (float)(s_in / s_out)} for RELU; 0 where the forward saturates.
     */
    @Override
    public float gradient(int x) {
        int u = unclamped(x);
        return u >= lo && u <= hi ? (float) (six ? 1.0 : input.quant.scaleDouble() / output.quant.scaleDouble()) : 0f;
    }
}
