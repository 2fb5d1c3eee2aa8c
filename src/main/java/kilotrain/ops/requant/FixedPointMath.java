package kilotrain.ops.requant;

/**
 * TFLite's integer requantization arithmetic (gemmlowp fixed point), reproduced bit for bit: the same
 * rounding nudges, the same truncating division and the same saturation corner case, because TFLite models are
 * calibrated against exactly these results.
 */
public final class FixedPointMath {
    private FixedPointMath() {
    }

    /** Multiplier and shift such that {@code real ~= multiplier * 2^(shift - 31)}. */
    public record Multiplier(int multiplier, int shift) {
    }

    /**
     * TFLite's {@code QuantizeMultiplier}: frexp into [0.5, 1), round the mantissa half away from zero to Q31,
     * renormalise if it rounded up to 2^31, and flush tiny values to zero.
     */
    public static Multiplier quantizeMultiplier(double real) {
        if (real == 0.0) {
            return new Multiplier(0, 0);
        }
        if (Double.isNaN(real) || Double.isInfinite(real)) {
            throw new IllegalArgumentException("cannot quantize the multiplier " + real);
        }
        int shift = frexpExponent(real);
        double q = Math.scalb(real, -shift);
        long qFixed = roundHalfAwayFromZero(q * (double) (1L << 31));
        if (qFixed == (1L << 31)) {
            qFixed /= 2;
            shift++;
        }
        if (shift < -31) {
            shift = 0;
            qFixed = 0;
        }
        if (shift > 30) {
            // TFLite rejects such multipliers; saturating keeps the value representable instead of wrapping.
            shift = 30;
            qFixed = (1L << 31) - 1;
        }
        return new Multiplier((int) qFixed, shift);
    }

    /** Like TFLite's QuantizeMultiplierSmallerThanOneExp: only for multipliers below one (shift <= 0). */
    public static Multiplier quantizeMultiplierSmallerThanOne(double real) {
        if (!(real < 1.0) || real < 0.0) {
            throw new IllegalArgumentException("multiplier " + real + " is not in [0, 1)");
        }
        Multiplier m = quantizeMultiplier(real);
        if (m.shift() > 0) {
            throw new IllegalArgumentException("multiplier " + real + " quantized to a positive shift");
        }
        return m;
    }

    /** The exponent e of C's frexp, such that {@code x = q * 2^e} with {@code 0.5 <= |q| < 1}. */
    static int frexpExponent(double x) {
        double a = Math.abs(x);
        if (a >= Double.MIN_NORMAL) {
            return Math.getExponent(a) + 1;
        }
        // subnormal: scale into the normal range first
        return Math.getExponent(a * 0x1p64) + 1 - 64;
    }

    /** std::round: halves go away from zero. */
    static long roundHalfAwayFromZero(double v) {
        double r = Math.floor(Math.abs(v) + 0.5);
        return (long) (v < 0 ? -r : r);
    }

    public static int saturatingRoundingDoublingHighMul(int a, int b) {
        if (a == b && a == Integer.MIN_VALUE) {
            return Integer.MAX_VALUE;
        }
        long ab = (long) a * (long) b;
        long nudge = ab >= 0 ? (1L << 30) : (1L - (1L << 30));
        // Java's long division truncates toward zero like C++'s, which is what gemmlowp relies on.
        return (int) ((ab + nudge) / (1L << 31));
    }

    public static int roundingDivideByPOT(int x, int exponent) {
        int mask = (int) ((1L << exponent) - 1);
        int remainder = x & mask;
        int threshold = (mask >> 1) + (x < 0 ? 1 : 0);
        return (x >> exponent) + (remainder > threshold ? 1 : 0);
    }

    /** TFLite's MultiplyByQuantizedMultiplier (the double-rounding form of the reference kernels). */
    public static int multiplyByQuantizedMultiplier(int x, int multiplier, int shift) {
        int leftShift = shift > 0 ? shift : 0;
        int rightShift = shift > 0 ? 0 : -shift;
        return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x * (1 << leftShift), multiplier), rightShift);
    }

    /** MultiplyByQuantizedMultiplierSmallerThanOneExp (shift <= 0), used by TFLite's ADD. */
    public static int multiplyByQuantizedMultiplierSmallerThanOneExp(int x, int multiplier, int shift) {
        return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x, multiplier), -shift);
    }

    /**
     * Per-channel conv/FC requantization as TFLite prepares it: the effective scale
     * {@code double(s_in) * double(s_w[c]) / double(s_out)} from the float32 scales, then QuantizeMultiplier.
     */
    public static kilotrain.ir.Requant.FixedPoint forScales(float inputScale, float[] weightScales, float outputScale) {
        int[] m = new int[weightScales.length];
        int[] s = new int[weightScales.length];
        for (int c = 0; c < m.length; c++) {
            double eff = (double) inputScale * (double) weightScales[c] / (double) outputScale;
            Multiplier q = quantizeMultiplier(eff);
            m[c] = q.multiplier();
            s[c] = q.shift();
        }
        return new kilotrain.ir.Requant.FixedPoint(m, s);
    }
}
