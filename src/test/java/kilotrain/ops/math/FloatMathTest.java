package kilotrain.ops.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** FloatMath against the correctly rounded float of Math.exp / Math.log (double), in ulps. */
class FloatMathTest {

    static long ulps(float a, float b) {
        if (a == b) {
            return 0;
        }
        if (Float.isNaN(a) || Float.isNaN(b) || Float.isInfinite(a) != Float.isInfinite(b)) {
            return Long.MAX_VALUE;
        }
        long ia = Float.floatToIntBits(a), ib = Float.floatToIntBits(b);
        ia = ia < 0 ? Integer.MIN_VALUE - ia : ia;
        ib = ib < 0 ? Integer.MIN_VALUE - ib : ib;
        return Math.abs(ia - ib);
    }

    @Test
    void expIsWithinOneUlp() {
        long worst = 0;
        float worstX = 0;
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 4_000_000; i++) {
            float x = (float) (r.nextDouble() * (88.7 + 103.9) - 103.9);
            if (i % 4 == 0) {
                x = (float) (r.nextDouble() * 2 - 1) * (float) Math.pow(2, -r.nextInt(30));
            }
            long u = ulps(FloatMath.exp(x), (float) Math.exp(x));
            if (u > worst) {
                worst = u;
                worstX = x;
            }
        }
        // every 7th float of [-16, -2^-4], where softmax evaluates exp(l - max)
        for (int bits = Float.floatToIntBits(0x1p-4f); bits < Float.floatToIntBits(16f); bits += 7) {
            float x = -Float.intBitsToFloat(bits);
            worst = Math.max(worst, ulps(FloatMath.exp(x), (float) Math.exp(x)));
        }
        System.out.println("FloatMath.exp max error " + worst + " ulp (at " + worstX + ")");
        assertTrue(worst <= 1, "exp off by " + worst + " ulp at " + worstX);
    }

    @Test
    void logIsWithinOneUlp() {
        long worst = 0;
        float worstX = 0;
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 4_000_000; i++) {
            float x = Float.intBitsToFloat(1 + r.nextInt(0x7f7fffff));
            if (i % 4 == 0) {
                x = (float) (0.5 + r.nextDouble() * 1.5);
            }
            long u = ulps(FloatMath.log(x), (float) Math.log(x));
            if (u > worst) {
                worst = u;
                worstX = x;
            }
        }
        System.out.println("FloatMath.log max error " + worst + " ulp (at " + worstX + ")");
        assertTrue(worst <= 1, "log off by " + worst + " ulp at " + worstX);
    }

    @Test
    void specialValues() {
        assertEquals(1.0f, FloatMath.exp(0.0f));
        assertEquals(1.0f, FloatMath.exp(-0.0f));
        assertEquals(0.0f, FloatMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(0.0f, FloatMath.exp(-200f));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(89f));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(FloatMath.exp(Float.NaN)));
        assertTrue(FloatMath.exp(88.72f) > 3.3e38f);
        assertTrue(FloatMath.exp(-103f) > 0f);
        assertEquals(0.0f, FloatMath.log(1.0f));
        assertEquals(Float.NEGATIVE_INFINITY, FloatMath.log(0.0f));
        assertTrue(Float.isNaN(FloatMath.log(-1.0f)));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.log(Float.POSITIVE_INFINITY));
        assertEquals((float) Math.log(Float.MIN_VALUE), FloatMath.log(Float.MIN_VALUE));
    }
}
