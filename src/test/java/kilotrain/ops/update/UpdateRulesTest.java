package kilotrain.ops.update;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class UpdateRulesTest {

    @Test
    void deviceTruncationDropsSmallStepsAwayFromZeroAndDriftsTowardZero() {
        assertEquals(4, Int8WeightUpdate.truncate((byte) 4, -0.7f));
        assertEquals(-4, Int8WeightUpdate.truncate((byte) -4, 0.7f));
        assertEquals(0, Int8WeightUpdate.truncate((byte) 0, 0.99f));
        assertEquals(3, Int8WeightUpdate.truncate((byte) 4, 0.3f));
        assertEquals(-3, Int8WeightUpdate.truncate((byte) -4, -0.3f));
        assertEquals(6, Int8WeightUpdate.truncate((byte) 4, -2.5f));
        assertEquals(127, Int8WeightUpdate.truncate((byte) 120, -50f));
        assertEquals(-127, Int8WeightUpdate.truncate((byte) -120, 50f));
        assertEquals(9, Int8WeightUpdate.truncate((byte) 9, Float.NaN));

        byte[] w = {10, -10, 0};
        Int8WeightUpdate u = new Int8WeightUpdate(WeightRounding.DEVICE_TRUNCATE, w, 0, null, 3, 0);
        float[] away = {-0.9f, 0.9f, 0.9f};
        for (int i = 0; i < 100; i++) {
            u.apply(away, 0);
        }
        assertArrayEquals(new byte[] {10, -10, 0}, w, "100 sub-step updates were all lost");
    }

    @Test
    void nearestEvenRoundsHalfToEven() {
        assertEquals(4, Int8WeightUpdate.nearestEven((byte) 4, 0.4f));
        assertEquals(3, Int8WeightUpdate.nearestEven((byte) 4, 0.6f));
        assertEquals(4, Int8WeightUpdate.nearestEven((byte) 4, 0.5f));
        assertEquals(2, Int8WeightUpdate.nearestEven((byte) 4, 1.5f));
        assertEquals(-127, Int8WeightUpdate.nearestEven((byte) -127, 3f));
    }

    @Test
    void stochasticRoundingIsDeterministicPerSeed() {
        float[] d = new float[64];
        Arrays.fill(d, 0.37f);
        byte[] a = new byte[64], b = new byte[64], c = new byte[64];
        new Int8WeightUpdate(WeightRounding.STOCHASTIC, a, 0, null, 64, 42).apply(d, 0);
        new Int8WeightUpdate(WeightRounding.STOCHASTIC, b, 0, null, 64, 42).apply(d, 0);
        new Int8WeightUpdate(WeightRounding.STOCHASTIC, c, 0, null, 64, 43).apply(d, 0);
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
        for (byte v : a) {
            assertEquals(true, v == 0 || v == -1);
        }
    }

    @Test
    void stochasticRoundingIsUnbiased() {
        int n = 200_000;
        byte[] w = new byte[n];
        Arrays.fill(w, (byte) 10);
        float[] d = new float[n];
        Arrays.fill(d, 0.3f);
        new Int8WeightUpdate(WeightRounding.STOCHASTIC, w, 0, null, n, 7).apply(d, 0);
        double mean = 0;
        for (byte v : w) {
            mean += v;
        }
        mean /= n;
        // binomial std of the mean: sqrt(0.3 * 0.7 / n) ~ 0.001
        assertEquals(9.7, mean, 0.005);

        // one weight, many small steps: expected drift equals the summed steps
        byte[] one = {0};
        Int8WeightUpdate u = new Int8WeightUpdate(WeightRounding.STOCHASTIC, one, 0, null, 1, 3);
        float[] step = {-0.05f};
        for (int i = 0; i < 1000; i++) {
            u.apply(step, 0);
        }
        assertEquals(50, one[0], 12);
    }

    @Test
    void stochasticUsesOneDrawPerElementInSliceOrder() {
        XorShift32 rng = new XorShift32(5);
        byte[] w = {3, 100, -7};
        float[] d = {0.25f, 0.0f, -0.8f};
        byte[] expect = new byte[3];
        for (int i = 0; i < 3; i++) {
            expect[i] = Int8WeightUpdate.stochastic(w[i], d[i], rng.nextUnit());
        }
        new Int8WeightUpdate(WeightRounding.STOCHASTIC, w, 0, null, 3, 5).apply(d, 0);
        assertArrayEquals(expect, w);
        assertEquals(100, w[1]);
    }

    @Test
    void shadowAccumulatesSmallStepsAndWritesThroughTheSliceIndex() {
        byte[] w = {0, 10, 0, -10};
        int[] idx = {1, 3};
        Int8WeightUpdate shadow = new Int8WeightUpdate(WeightRounding.FLOAT_SHADOW, w, 0, idx, 2, 0,
                Int8WeightUpdate.UNLIMITED);
        byte[] w2 = w.clone();
        Int8WeightUpdate nearest = new Int8WeightUpdate(WeightRounding.NEAREST_EVEN, w2, 0, idx, 2, 0);
        float[] d = {0.1f, -0.1f};
        for (int i = 0; i < 10; i++) {
            shadow.apply(d, 0);
            nearest.apply(d, 0);
        }
        assertArrayEquals(new byte[] {0, 9, 0, -9}, w);
        assertArrayEquals(new byte[] {0, 10, 0, -10}, w2, "nearest rounding loses every 0.1 step");
        assertEquals(9.0f, shadow.shadow()[0], 1e-5f);
        float[] big = {-1000f, 1000f};
        shadow.apply(big, 0);
        assertArrayEquals(new byte[] {0, 127, 0, -127}, w);
        assertEquals(127f, shadow.shadow()[0]);
    }

    @Test
    void biasRules() {
        assertEquals(100, Int32BiasUpdate.nearestEven(100, 0.4f));
        assertEquals(98, Int32BiasUpdate.nearestEven(100, 2.5f));
        assertEquals(Integer.MAX_VALUE, Int32BiasUpdate.nearestEven(Integer.MAX_VALUE - 1, -10f));
        assertEquals(Integer.MIN_VALUE, Int32BiasUpdate.nearestEven(0, 1e20f));
        int[] b = {1000, -5, Integer.MAX_VALUE};
        Int32BiasUpdate u = new Int32BiasUpdate(BiasRounding.FLOAT_SHADOW, b, 0, 3);
        float[] d = {0.25f, -0.25f, -1e9f};
        for (int i = 0; i < 4; i++) {
            u.apply(d, 0);
        }
        assertArrayEquals(new int[] {999, -4, Integer.MAX_VALUE}, b);
        int[] b2 = {1000, -5};
        Int32BiasUpdate n = new Int32BiasUpdate(BiasRounding.NEAREST_EVEN, b2, 0, 2);
        for (int i = 0; i < 4; i++) {
            n.apply(d, 0);
        }
        assertArrayEquals(new int[] {1000, -5}, b2);
    }

    @Test
    void sgdWithAndWithoutMomentum() {
        float[] g = {1f, -2f};
        float[] d = new float[2];
        new Sgd(2, 0.1f, 0f).delta(g, 0, 2, d, 0);
        assertArrayEquals(new float[] {0.1f, -0.2f}, d);
        Sgd m = new Sgd(2, 0.1f, 0.9f);
        m.delta(g, 0, 2, d, 0);
        assertArrayEquals(new float[] {0.1f * 1f, 0.1f * -2f}, d);
        m.delta(g, 0, 2, d, 0);
        float v = 0.9f * 1f + 1f;
        assertEquals(0.1f * v, d[0]);
        m.delta(g, 0, 2, d, 0);
        v = 0.9f * v + 1f;
        assertEquals(0.1f * v, d[0]);
        assertEquals(v, m.velocity()[0]);
    }

    @Test
    void qasMultipliesByPrecomputedReciprocalSquares() {
        double[] sw = {0.01, 0.002};
        float[] fw = Qas.weightFactors(sw);
        assertEquals((float) (1 / (0.01 * 0.01)), fw[0]);
        float[] fb = Qas.biasFactors(sw, 0.05);
        assertEquals((float) (1 / (0.002 * 0.05 * 0.002 * 0.05)), fb[1]);
        float[] g = {1, 2, 3, 4, 5, 6};
        Qas.scaleRows(g, 0, 3, 2, new int[] {1, 0, 1}, fw);
        assertArrayEquals(new float[] {1 * fw[1], 2 * fw[1], 3 * fw[0], 4 * fw[0], 5 * fw[1], 6 * fw[1]}, g);
        float[] gb = {2, 3};
        Qas.scale(gb, 0, 2, fb);
        assertArrayEquals(new float[] {2 * fb[0], 3 * fb[1]}, gb);
    }

    @Test
    void xorshiftSequenceIsTheDocumentedOne() {
        XorShift32 r = new XorShift32(1);
        assertEquals(270369, r.next());
        assertEquals(67634689, r.next());
        assertEquals((int) 2647435461L, r.next());
        assertNotEquals(0, new XorShift32(0).next());
        float u = new XorShift32(1).nextUnit();
        assertEquals((270369 >>> 8) * 0x1p-24f, u);
    }

    @Test
    void aStepLimitBoundsEveryRuleAndLeavesSmallStepsAlone() {
        float[] d = {5f, -5f, 0.3f, Float.NaN, -0.75f};
        for (WeightRounding r : WeightRounding.values()) {
            byte[] w = {10, 10, 10, 10, 10};
            new Int8WeightUpdate(r, w, 0, null, 5, 1, 1.0f).apply(d, 0);
            assertEquals(9, w[0], r + ": a step of 5 moves one unit");
            assertEquals(11, w[1], r + ": a step of -5 moves one unit");
            assertEquals(10, w[3], r + ": NaN still leaves the weight");
            byte[] free = {10, 10, 10, 10, 10};
            byte[] limited = {10, 10, 10, 10, 10};
            float[] small = {0.3f, -0.75f, 0.99f, -0.2f, 0f};
            new Int8WeightUpdate(r, free, 0, null, 5, 1).apply(small, 0);
            new Int8WeightUpdate(r, limited, 0, null, 5, 1, 1.0f).apply(small, 0);
            assertArrayEquals(free, limited, r + ": steps within the limit are unchanged, random draws included");
        }
        byte[] w = {10, 10};
        new Int8WeightUpdate(WeightRounding.NEAREST_EVEN, w, 0, null, 2, 0).apply(new float[] {5f, -3f}, 0);
        assertArrayEquals(new byte[] {9, 11}, w, "one step by default");
        new Int8WeightUpdate(WeightRounding.NEAREST_EVEN, w, 0, null, 2, 0, Int8WeightUpdate.UNLIMITED)
                .apply(new float[] {5f, -3f}, 0);
        assertArrayEquals(new byte[] {4, 14}, w, "no limit");
        assertEquals(2.5f, Int8WeightUpdate.limit(2.5f, Int8WeightUpdate.UNLIMITED));
        assertEquals(Float.POSITIVE_INFINITY, 1 / Int8WeightUpdate.limit(0f, 1f));
    }
}
