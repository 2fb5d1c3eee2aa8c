package kilotrain.ops.activation;

import java.util.List;

import kilotrain.ir.Tensor;
import kilotrain.ops.Binder;
import kilotrain.ops.Forward;
import kilotrain.ops.ForwardOp;
import kilotrain.ops.TfliteOperator;
import kilotrain.ops.requant.FixedPointMath;

/**
 * PRELU on int8 with a per-channel (broadcast) int8 alpha, as TFLite's reference {@code BroadcastPrelu4DSlow}:
 * {@code x - z_x >= 0} is requantized with the multiplier of {@code s_x / s_y}, otherwise {@code (x - z_x) *
 * (alpha - z_alpha)} with that of {@code s_x * s_alpha / s_y}; plus {@code z_y}, saturated.
 */
public final class Prelu extends ForwardOp {
    public final Tensor input, alpha, output;
    final int mult1, shift1, mult2, shift2;

    public Prelu(String name, Tensor input, Tensor alpha, Tensor output) {
        super(name);
        this.input = input;
        this.alpha = alpha;
        this.output = output;
        int c = input.dim(-1);
        boolean perChannel = alpha.elements() == c && alpha.dim(-1) == c;
        if (input.elements() != output.elements() || !alpha.isConstant() || !(perChannel || alpha.elements() == 1)) {
            throw new IllegalArgumentException("Prelu '" + name + "': alpha " + alpha + " must be a constant of one "
                    + "value or one per channel of " + input);
        }
        float sx = input.quant.scale(), sa = alpha.quant.scale(), sy = output.quant.scale();
        FixedPointMath.Multiplier m1 = FixedPointMath.quantizeMultiplier((double) sx / (double) sy);
        FixedPointMath.Multiplier m2 = FixedPointMath.quantizeMultiplier((double) sx * (double) sa / (double) sy);
        mult1 = m1.multiplier();
        shift1 = m1.shift();
        mult2 = m2.multiplier();
        shift2 = m2.shift();
    }

    public static Prelu read(TfliteOperator op) {
        op.arity(2, 2);
        return new Prelu(op.name(), op.input(0), op.int8Constant(1, "alpha"), op.output());
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(input, alpha);
    }

    @Override
    public Tensor output() {
        return output;
    }

    @Override
    public String kind() {
        return "Prelu";
    }

    @Override
    public long macs() {
        return 0;
    }

    @Override
    public Forward bind(Binder b) {
        int in = b.slot(input), out = b.slot(output), n = input.elements(), per = alpha.elements();
        int zx = input.quant.zeroPoint(), za = alpha.quant.zeroPoint(), zy = output.quant.zeroPoint();
        byte[] a = alpha.int8Data;
        return (s, sc) -> {
            byte[] x = s[in], y = s[out];
            for (int i = 0; i < n; i++) {
                int v = x[i] - zx;
                int r = v >= 0 ? FixedPointMath.multiplyByQuantizedMultiplier(v, mult1, shift1)
                        : FixedPointMath.multiplyByQuantizedMultiplier(v * (a[per == 1 ? 0 : i % per] - za), mult2,
                                shift2);
                y[i] = (byte) Math.max(-128, Math.min(127, r + zy));
            }
        };
    }
}
