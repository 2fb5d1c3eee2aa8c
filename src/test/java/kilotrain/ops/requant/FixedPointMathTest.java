package kilotrain.ops.requant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Expected values from TensorFlow Lite's quantization_util_test.cc and gemmlowp's definitions. */
class FixedPointMathTest {
    private static void assertQ(double real, int multiplier, int shift) {
        FixedPointMath.Multiplier m = FixedPointMath.quantizeMultiplier(real);
        assertEquals(multiplier, m.multiplier(), "multiplier of " + real);
        assertEquals(shift, m.shift(), "shift of " + real);
    }

    @Test
    void quantizeMultiplierSmallerThanOneMatchesTflite() {
        assertQ(0.25, 1073741824, -1);
        assertQ(0.50 - 5e-9, 2147483627, -1);
        assertQ(0.50 - 1e-10, 1073741824, 0);
        assertQ(0.50, 1073741824, 0);
        assertQ(0.75, 1610612736, 0);
        assertQ(1 - 1e-9, 2147483646, 0);
        assertThrows(IllegalArgumentException.class, () -> FixedPointMath.quantizeMultiplierSmallerThanOne(1.0));
        assertThrows(IllegalArgumentException.class, () -> FixedPointMath.quantizeMultiplierSmallerThanOne(-0.1));
    }

    @Test
    void quantizeMultiplierGreaterThanOneMatchesTflite() {
        assertQ(1 + 1e-11, 1073741824, 1);
        assertQ(1.25, 1342177280, 1);
        assertQ(1.50, 1610612736, 1);
        assertQ(1.75, 1879048192, 1);
        assertQ(2 - 1e-9, 2147483647, 1);
        assertQ(2 - 1e-11, 1073741824, 2);
        assertQ(2, 1073741824, 2);
    }

    @Test
    void quantizeMultiplierUnderflowAndArrayMatchTflite() {
        assertQ(Math.scalb(1.0, -31), 1073741824, -30);
        assertQ(Math.scalb(1.0, -32), 1073741824, -31);
        assertQ(Math.scalb((double) 0.99f, -32), 0, 0);
        assertQ(Math.scalb(1.0, -33), 0, 0);
        double[] weights = {-4, -2, -1, -0.5, -0.25, -0.125, 0, 0.125, 0.25, 0.5, 1, 2, 4};
        int[] shifts = {3, 2, 1, 0, -1, -2, 0, -2, -1, 0, 1, 2, 3};
        for (int i = 0; i < weights.length; i++) {
            int m = weights[i] == 0 ? 0 : weights[i] < 0 ? -1073741824 : 1073741824;
            assertQ(weights[i], m, shifts[i]);
        }
    }

    private static int quantAndMultiply(int x, double multiplier) {
        FixedPointMath.Multiplier m = FixedPointMath.quantizeMultiplier(multiplier);
        return FixedPointMath.multiplyByQuantizedMultiplier(x, m.multiplier(), m.shift());
    }

    @Test
    void multiplyByQuantizedMultiplierMatchesTflite() {
        assertEquals(0, quantAndMultiply(0, 0.1));
        assertEquals(0, quantAndMultiply(1, 0));
        assertEquals(10, quantAndMultiply(10000, 0.00097656));
        assertEquals(-10, quantAndMultiply(-10000, 0.00097656));
        assertEquals(-21475, quantAndMultiply(Integer.MIN_VALUE, 0.00001));
        assertEquals(21475, quantAndMultiply(Integer.MAX_VALUE, 0.00001));
        assertEquals(-10, quantAndMultiply(10000, -0.00097656));
        assertEquals(10, quantAndMultiply(-10000, -0.00097656));
        assertEquals(21475, quantAndMultiply(Integer.MIN_VALUE, -0.00001));
        assertEquals(-21475, quantAndMultiply(Integer.MAX_VALUE, -0.00001));
        // round((2^31-1)^2 / 2^34) = round(268435455.75)
        int max = Integer.MAX_VALUE;
        assertEquals(268435456, FixedPointMath.multiplyByQuantizedMultiplier(max, max, -3));
        assertEquals(-268435456, FixedPointMath.multiplyByQuantizedMultiplier(-max, max, -3));
    }

    @Test
    void gemmlowpPrimitives() {
        assertEquals(Integer.MAX_VALUE,
                FixedPointMath.saturatingRoundingDoublingHighMul(Integer.MIN_VALUE, Integer.MIN_VALUE));
        assertEquals(4, FixedPointMath.saturatingRoundingDoublingHighMul(7, 1 << 30)); // 3.5 -> 4
        assertEquals(-3, FixedPointMath.saturatingRoundingDoublingHighMul(-7, 1 << 30)); // -3.5 -> -3 (truncating /)
        assertEquals(3, FixedPointMath.roundingDivideByPOT(5, 1));
        assertEquals(-3, FixedPointMath.roundingDivideByPOT(-5, 1));
        assertEquals(2, FixedPointMath.roundingDivideByPOT(3, 1));
        assertEquals(-2, FixedPointMath.roundingDivideByPOT(-3, 1));
        assertEquals(1, FixedPointMath.roundingDivideByPOT(5, 2)); // 1.25
        assertEquals(-1, FixedPointMath.roundingDivideByPOT(-6, 3)); // -0.75
        assertEquals(7, FixedPointMath.roundingDivideByPOT(7, 0));
    }

    /** SRDHM is round-to-nearest of a*b/2^31 (exactly, via BigInteger), ties up for positive and toward zero below. */
    @Test
    void highMulAgreesWithExactArithmetic() {
        SplittableRandom r = new SplittableRandom(7);
        BigInteger two31 = BigInteger.ONE.shiftLeft(31);
        for (int i = 0; i < 200_000; i++) {
            int a = r.nextInt(), b = r.nextInt();
            if (a == Integer.MIN_VALUE && b == Integer.MIN_VALUE) {
                continue;
            }
            BigInteger prod = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b));
            BigInteger nudge = BigInteger.valueOf(prod.signum() >= 0 ? (1L << 30) : 1 - (1L << 30));
            long expected = prod.add(nudge).divide(two31).longValue(); // BigInteger.divide truncates like C++
            assertEquals(expected, FixedPointMath.saturatingRoundingDoublingHighMul(a, b));
            double exact = (double) a * b / 2147483648.0;
            assertTrue(Math.abs(FixedPointMath.saturatingRoundingDoublingHighMul(a, b) - exact) <= 0.5 + 1e-6);
        }
    }

    @Test
    void quantizedMultiplierReproducesTheRealMultiplier() {
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            double real = Math.exp(r.nextDouble(-20, 3));
            FixedPointMath.Multiplier m = FixedPointMath.quantizeMultiplier(real);
            double back = m.multiplier() * Math.scalb(1.0, m.shift() - 31);
            assertTrue(Math.abs(back - real) <= real * 1e-9, real + " -> " + m);
            assertTrue(m.multiplier() >= (1 << 30), "normalised mantissa for " + real);
            int x = r.nextInt(-1 << 20, 1 << 20);
            assertTrue(Math.abs(FixedPointMath.multiplyByQuantizedMultiplier(x, m.multiplier(), m.shift())
                    - x * real) <= 1.0, x + " * " + real);
        }
    }

    @Test
    void forScalesUsesDoubleProductsOfFloatScales() {
        float in = 0.0235294f, out = 0.0757207f;
        float[] w = {0.00123f, 0.0456f};
        var fp = FixedPointMath.forScales(in, w, out);
        for (int c = 0; c < w.length; c++) {
            FixedPointMath.Multiplier m = FixedPointMath.quantizeMultiplier((double) in * (double) w[c] / (double) out);
            assertEquals(m.multiplier(), fp.multipliers()[c]);
            assertEquals(m.shift(), fp.shifts()[c]);
        }
    }
}
