package kilotrain.ops.activation;

import java.util.List;

import kilotrain.ir.Tensor;
import kilotrain.ops.Binder;
import kilotrain.ops.Forward;
import kilotrain.ops.ForwardOp;
import kilotrain.ops.TfliteOperator;
import kilotrain.ops.requant.FixedPointMath;

/**
 * PRELU on int8 with a broadcast int8 alpha (one value, per channel, or per element: the shapes Keras' PReLU writes),
 * as TFLite's reference {@code BroadcastPrelu4DSlow}:
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
        if (input.elements() != output.elements() || !alpha.isConstant() || !trailing(alpha.shape, input.shape)) {
            throw new IllegalArgumentException("Prelu '" + name + "': alpha " + alpha + " must be a constant whose "
                    + "shape, less leading 1s, is the last axes of " + input + " (one value, one per channel as Keras' "
                    + "shared_axes=[1, 2] writes it, or one per element, its default)");
        }
        float sx = input.quant.scale(), sa = alpha.quant.scale(), sy = output.quant.scale();
        FixedPointMath.Multiplier m1 = FixedPointMath.quantizeMultiplier((double) sx / (double) sy);
        FixedPointMath.Multiplier m2 = FixedPointMath.quantizeMultiplier((double) sx * (double) sa / (double) sy);
        mult1 = m1.multiplier();
        shift1 = m1.shift();
        mult2 = m2.multiplier();
        shift2 = m2.shift();
    }

    /** Whether {@code a} without its leading 1s equals the last axes of {@code x}: element i's alpha is i % |a|. */
    static boolean trailing(int[] a, int[] x) {
        int lead = 0;
        while (lead < a.length && a[lead] == 1) {
            lead++;
        }
        int k = a.length - lead;
        if (k > x.length) {
            return false;
        }
        for (int d = 0; d < k; d++) {
            if (a[lead + d] != x[x.length - k + d]) {
                return false;
            }
        }
        return true;
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
        int in = b.slot(input), out = b.slot(output);
        return (s, sc) -> forward(s[in], 0, s[out], 0);
    }

    /** The output of element i (input byte x) before the saturation to int8, its zero point included. */
    int unclamped(int x, int i) {
        int v = x - input.quant.zeroPoint(), per = alpha.elements();
        int r = v >= 0 ? FixedPointMath.multiplyByQuantizedMultiplier(v, mult1, shift1)
                : FixedPointMath.multiplyByQuantizedMultiplier(v * (alpha.int8Data[i % per]
                        - alpha.quant.zeroPoint()), mult2, shift2);
        return r + output.quant.zeroPoint();
    }

    /** The int8 forward ({@code kt_prelu_fwd}). */
    public void forward(byte[] x, int xOff, byte[] y, int yOff) {
        for (int i = 0, n = input.elements(); i < n; i++) {
            y[yOff + i] = (byte) Math.max(-128, Math.min(127, unclamped(x[xOff + i], i)));
        }
    }

    /**
     * The backward's float32 slopes, made in double on the host: [0] {@code s_x / s_y} (input at or above its zero
     * point), then per alpha value {@code s_x * s_alpha * (alpha - z_alpha) / s_y}.
     */
    public float[] slopes() {
        double sx = input.quant.scaleDouble(), sa = alpha.quant.scaleDouble(), sy = output.quant.scaleDouble();
        float[] r = new float[1 + alpha.elements()];
        r[0] = (float) (sx / sy);
        for (int c = 0; c < alpha.elements(); c++) {
            r[1 + c] = (float) (sx * sa * (alpha.int8Data[c] - alpha.quant.zeroPoint()) / sy);
        }
        return r;
    }

    /**
     * {@code g_x[i] = pass ? g_y[i] * (x >= z_x ? r[0] : r[1 + c]) : +0} (accumulating: {@code g_x[i] + that}), i
     * ascending, pass where the unclamped output (recomputed from the saved input byte) lies in [-128, 127]
     * ({@code kt_prelu_bwd}).
     */
    public void backward(float[] r, byte[] x, int xOff, float[] gY, float[] gX, boolean acc) {
        int per = alpha.elements(), zx = input.quant.zeroPoint();
        for (int i = 0, n = input.elements(); i < n; i++) {
            int q = x[xOff + i], u = unclamped(q, i);
            float t = 0.0f;
            if (u >= -128 && u <= 127) {
                t = gY[i] * (q >= zx ? r[0] : r[1 + i % per]);
            }
            gX[i] = acc ? gX[i] + t : t;
        }
    }
}
