package kilotrain.ops.activation;

import java.util.List;

import kilotrain.ir.Tensor;
import kilotrain.ops.Binder;
import kilotrain.ops.Forward;
import kilotrain.ops.ForwardOp;
import kilotrain.ops.TfliteOperator;
import kilotrain.ops.requant.FixedPointMath;

/**
 * RELU and RELU6 on int8, as TFLite Micro's reference kernels compute them. RELU requantizes
 * {@code (x - z_in) * s_in / s_out + z_out} with a fixed-point multiplier and clamps below at the output's quantized
 * 0.0 ({@code z_out + round(0 / s_out)}); RELU6 does not requantize: it clamps the input bytes to
 * {@code [z_in, round(6 / s_in) + z_in]} (the input's quantized 0 and 6).
 */
public final class Relu extends ForwardOp {
    public final Tensor input, output;
    public final boolean six;
    final int multiplier, shift, lo, hi;

    public Relu(String name, Tensor input, Tensor output, boolean six) {
        super(name);
        this.input = input;
        this.output = output;
        this.six = six;
        if (input.elements() != output.elements()) {
            throw new IllegalArgumentException((six ? "Relu6 '" : "Relu '") + name + "': input and output sizes differ");
        }
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
    public List<Tensor> inputs() {
        return List.of(input);
    }

    @Override
    public Tensor output() {
        return output;
    }

    @Override
    public String kind() {
        return six ? "Relu6" : "Relu";
    }

    @Override
    public long macs() {
        return 0;
    }

    @Override
    public Forward bind(Binder b) {
        int in = b.slot(input), out = b.slot(output), n = input.elements();
        if (six) {
            return (s, sc) -> clamp(s[in], s[out], n, lo, hi);
        }
        int zIn = input.quant.zeroPoint(), zOut = output.quant.zeroPoint();
        return (s, sc) -> relu(s[in], s[out], n, zIn, multiplier, shift, zOut, lo, hi);
    }

    public static void clamp(byte[] x, byte[] y, int n, int lo, int hi) {
        for (int i = 0; i < n; i++) {
            y[i] = (byte) Math.min(Math.max(x[i], lo), hi);
        }
    }

    public static void relu(byte[] x, byte[] y, int n, int zIn, int multiplier, int shift, int zOut, int lo, int hi) {
        for (int i = 0; i < n; i++) {
            int v = zOut + FixedPointMath.multiplyByQuantizedMultiplier(x[i] - zIn, multiplier, shift);
            y[i] = (byte) Math.min(Math.max(v, lo), hi);
        }
    }
}
