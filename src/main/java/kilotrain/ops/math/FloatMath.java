package kilotrain.ops.math;

/**
 * float32 exp and log built only from float32 +, -, *, / (each rounded once, no FMA), exact bit manipulation and
 * rint, so that the generated C ({@code -ffp-contract=off}, same constants, same operation order) reproduces every
 * result bit for bit. {@code Math.exp} / libm {@code expf} differ between platforms and cannot be used.
 *
 * <p>Measured accuracy against the correctly rounded result ({@code (float) Math.exp((double) x)}), see
 * FloatMathTest: exp at most 1 ulp over [-103, 88.7] (normal results), log at most 1 ulp over all positive floats.
 *
 * <p>C translation: every constant below is a float literal written in hex so it has one exact value; {@code
 * Math.rint} on a float argument is {@code rintf} (round half to even); {@code Float.floatToRawIntBits} is a
 * memcpy to uint32_t.
 */
public final class FloatMath {
    private FloatMath() {
    }

    static final float LOG2E = 0x1.715476p0f;
    /** ln 2 split so that k * LN2_HI is exact for |k| < 512 (LN2_HI has 15 significant bits). */
    static final float LN2_HI = 0x1.62e4p-1f;
    static final float LN2_LO = 0x1.7f7d1cp-20f;
    /** Above it exp overflows; below the lower bound the result rounds to zero. */
    static final float EXP_OVER = 0x1.62e430p6f;   // 88.72284
    static final float EXP_UNDER = -0x1.9fe368p6f; // -103.97208
    static final float SQRT2 = 0x1.6a09e6p0f;

    // Taylor coefficients 1/n! of e^r, enough for |r| <= ln2/2 (truncation error r^8/8! < 6e-9).
    static final float E2 = 0x1.0p-1f;
    static final float E3 = 0x1.555556p-3f;
    static final float E4 = 0x1.555556p-5f;
    static final float E5 = 0x1.111112p-7f;
    static final float E6 = 0x1.6c16c2p-10f;
    static final float E7 = 0x1.a01a02p-13f;

    // 2/(2i+1): log(1+f) = 2 atanh(s), s = f/(2+f), |s| <= 0.1716 (truncation error < 3e-9 relative).
    static final float L1 = 0x1.555556p-1f;
    static final float L2 = 0x1.99999ap-2f;
    static final float L3 = 0x1.24924ap-2f;
    static final float L4 = 0x1.c71c72p-3f;

    /**
     * e^x: k = rint(x * log2 e), r = (x - k*LN2_HI) - k*LN2_LO (Cody-Waite, exact first step), p = Horner of the
     * degree-7 Taylor polynomial 1 + r(1 + r(E2 + r(E3 + r(E4 + r(E5 + r(E6 + r E7)))))), result p * 2^k (scaled
     * in two exact-power steps when 2^k is not a normal float). NaN gives NaN.
     */
    public static float exp(float x) {
        if (x != x) {
            return x;
        }
        if (x > EXP_OVER) {
            return Float.POSITIVE_INFINITY;
        }
        if (x < EXP_UNDER) {
            return 0.0f;
        }
        float kf = (float) Math.rint(x * LOG2E);
        int k = (int) kf;
        float r = (x - kf * LN2_HI) - kf * LN2_LO;
        float p = E6 + r * E7;
        p = E5 + r * p;
        p = E4 + r * p;
        p = E3 + r * p;
        p = E2 + r * p;
        p = 1.0f + r * p;
        p = 1.0f + r * p;
        return scaleByPow2(p, k);
    }

    /** p * 2^k for p in [0.7, 1.5]: one rounding at most, in the final multiply. */
    static float scaleByPow2(float p, int k) {
        if (k > 127) {
            return (p * pow2(k - 1)) * 2.0f;
        }
        if (k < -125) {
            return (p * pow2(k + 100)) * pow2(-100);
        }
        return p * pow2(k);
    }

    /** 2^k for -126 <= k <= 127, built from its bits. */
    static float pow2(int k) {
        return Float.intBitsToFloat((k + 127) << 23);
    }

    /**
     * Natural log: x = m * 2^e with m in [sqrt(1/2), sqrt(2)), f = m - 1 (exact), s = f / (2 + f), z = s*s,
     * R = z(L1 + z(L2 + z(L3 + z L4))), hfsq = 0.5 f f, log m = f - (hfsq - s (hfsq + R)), result
     * e*LN2_HI + (log m + e*LN2_LO). Subnormals are first scaled by 2^25. log(0) = -inf, log(x<0) = NaN.
     */
    public static float log(float x) {
        if (x != x || x < 0.0f) {
            return Float.NaN;
        }
        if (x == 0.0f) {
            return Float.NEGATIVE_INFINITY;
        }
        if (x == Float.POSITIVE_INFINITY) {
            return x;
        }
        int bits = Float.floatToRawIntBits(x);
        int e = 0;
        if (bits < 0x00800000) {
            bits = Float.floatToRawIntBits(x * 0x1.0p25f);
            e = -25;
        }
        e += ((bits >>> 23) & 0xff) - 127;
        float m = Float.intBitsToFloat((bits & 0x007fffff) | 0x3f800000);
        if (m > SQRT2) {
            m = m * 0.5f;
            e += 1;
        }
        float f = m - 1.0f;
        float s = f / (2.0f + f);
        float z = s * s;
        float r = L3 + z * L4;
        r = L2 + z * r;
        r = L1 + z * r;
        r = z * r;
        float hfsq = 0.5f * f * f;
        float logm = f - (hfsq - s * (hfsq + r));
        float ef = (float) e;
        return ef * LN2_HI + (logm + ef * LN2_LO);
    }
}
