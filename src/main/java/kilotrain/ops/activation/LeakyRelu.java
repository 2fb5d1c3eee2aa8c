package kilotrain.ops.activation;

import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.LeakyReluOptions;
import kilotrain.ir.Tensor;
import kilotrain.ops.TableGradient;
import kilotrain.ops.TableOp;
import kilotrain.ops.TfliteOperator;
import kilotrain.ops.requant.FixedPointMath;
import kilotrain.ops.TfliteOptions;

/**
 * LEAKY_RELU on int8, as TFLite's reference {@code QuantizeLeakyRelu}: {@code x - z_in} is requantized with the
 * multiplier of {@code s_in / s_out} where it is at least 0 and of {@code s_in * alpha / s_out} below, plus
 * {@code z_out}, saturated to int8. Both multipliers come from float32 quotients, as TFLite Micro computes them.
 */
public final class LeakyRelu extends TableOp implements TableGradient {
    /** LEAKY_RELU's options, written again by the TFLite export. */
    public static final TfliteOptions OPTIONS = TfliteOptions.of(BuiltinOptions.LeakyReluOptions, LeakyReluOptions::new,
            (o, fb) -> LeakyReluOptions.createLeakyReluOptions(fb, o.alpha()));

    public final float alpha;
    final int multIdentity, shiftIdentity, multAlpha, shiftAlpha;

    public LeakyRelu(String name, Tensor input, Tensor output, float alpha) {
        super(name, input, output);
        this.alpha = alpha;
        if (!Float.isFinite(alpha)) {
            throw new IllegalArgumentException("LeakyRelu '" + name + "': alpha " + alpha + " is not finite");
        }
        float sIn = input.quant.scale(), sOut = output.quant.scale();
        FixedPointMath.Multiplier a = FixedPointMath.quantizeMultiplier((double) (sIn * alpha / sOut));
        FixedPointMath.Multiplier id = FixedPointMath.quantizeMultiplier((double) (sIn / sOut));
        multAlpha = a.multiplier();
        shiftAlpha = a.shift();
        multIdentity = id.multiplier();
        shiftIdentity = id.shift();
    }

    public static LeakyRelu read(TfliteOperator op) {
        op.arity(1, 1);
        LeakyReluOptions o = op.options(BuiltinOptions.LeakyReluOptions, new LeakyReluOptions());
        return new LeakyRelu(op.name(), op.input(0), op.output(), o.alpha());
    }

    @Override
    public String kind() {
        return "LeakyRelu";
    }

    @Override
    public int apply(int x) {
        return Math.max(-128, Math.min(127, unclamped(x)));
    }

    int unclamped(int x) {
        int v = x - input.quant.zeroPoint();
        return output.quant.zeroPoint() + (v >= 0
                ? FixedPointMath.multiplyByQuantizedMultiplier(v, multIdentity, shiftIdentity)
                : FixedPointMath.multiplyByQuantizedMultiplier(v, multAlpha, shiftAlpha));
    }

    /**
     * {@code (float)(s_in / s_out)} at and above the input's zero point, {@code (float)(alpha * s_in / s_out)} below, 0
     * where the requantized output saturates.
     */
    @Override
    public float gradient(int x) {
        int u = unclamped(x);
        if (u < -128 || u > 127) {
            return 0f;
        }
        double r = input.quant.scaleDouble() / output.quant.scaleDouble();
        return (float) (x >= input.quant.zeroPoint() ? r : alpha * r);
    }
}
