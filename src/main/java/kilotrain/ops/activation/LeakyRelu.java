package kilotrain.ops.activation;

import java.util.List;

import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.LeakyReluOptions;
import kilotrain.ir.Tensor;
import kilotrain.ops.Binder;
import kilotrain.ops.Forward;
import kilotrain.ops.ForwardOp;
import kilotrain.ops.TfliteOperator;
import kilotrain.ops.requant.FixedPointMath;

/**
 * LEAKY_RELU on int8, as TFLite's reference {@code QuantizeLeakyRelu}: {@code x - z_in} is requantized with the
 * multiplier of {@code s_in / s_out} where it is at least 0 and of {@code s_in * alpha / s_out} below, plus
 * {@code z_out}, saturated to int8. Both multipliers come from float32 quotients, as TFLite Micro computes them.
 */
public final class LeakyRelu extends ForwardOp {
    public final Tensor input, output;
    public final float alpha;
    final int multIdentity, shiftIdentity, multAlpha, shiftAlpha;

    public LeakyRelu(String name, Tensor input, Tensor output, float alpha) {
        super(name);
        this.input = input;
        this.output = output;
        this.alpha = alpha;
        if (input.elements() != output.elements()) {
            throw new IllegalArgumentException("LeakyRelu '" + name + "': input and output sizes differ");
        }
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
    public List<Tensor> inputs() {
        return List.of(input);
    }

    @Override
    public Tensor output() {
        return output;
    }

    @Override
    public String kind() {
        return "LeakyRelu";
    }

    @Override
    public long macs() {
        return 0;
    }

    @Override
    public Forward bind(Binder b) {
        int in = b.slot(input), out = b.slot(output), n = input.elements();
        int zIn = input.quant.zeroPoint(), zOut = output.quant.zeroPoint();
        return (s, sc) -> {
            byte[] x = s[in], y = s[out];
            for (int i = 0; i < n; i++) {
                int v = x[i] - zIn;
                int r = zOut + (v >= 0 ? FixedPointMath.multiplyByQuantizedMultiplier(v, multIdentity, shiftIdentity)
                        : FixedPointMath.multiplyByQuantizedMultiplier(v, multAlpha, shiftAlpha));
                y[i] = (byte) Math.max(-128, Math.min(127, r));
            }
        };
    }
}
