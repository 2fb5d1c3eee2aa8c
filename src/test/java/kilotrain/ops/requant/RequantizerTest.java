package kilotrain.ops.requant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import kilotrain.ir.Requant;
import org.junit.jupiter.api.Test;

class RequantizerTest {
    /** The vectorizable magic-number rounding must equal float32 rint + clamp for every accumulator. */
    @Test
    void floatRintFastPathEqualsReference() {
        SplittableRandom r = new SplittableRandom(11);
        int n = 257;
        int[] acc = new int[n];
        int[] copy = new int[n];
        int[] orig = new int[n];
        byte[] out = new byte[n];
        byte[] strided = new byte[n * 3];
        for (int trial = 0; trial < 4000; trial++) {
            float eff = (float) Math.exp(r.nextDouble(-16, 4));
            int z = r.nextInt(-128, 128);
            int lo = r.nextBoolean() ? -128 : r.nextInt(-128, 0), hi = r.nextBoolean() ? 127 : r.nextInt(0, 128);
            float[] effs = new float[n];
            java.util.Arrays.fill(effs, eff);
            FloatRintRequantizer q = new FloatRintRequantizer(effs, z, lo, hi);
            for (int i = 0; i < n; i++) {
                acc[i] = switch (r.nextInt(6)) {
                    case 0 -> r.nextInt();
                    case 1 -> r.nextBoolean() ? Integer.MAX_VALUE - r.nextInt(3) : Integer.MIN_VALUE + r.nextInt(3);
                    case 2 -> Math.round((r.nextInt(-300, 300) + 0.5f) / eff); // near ties
                    default -> (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE,
                            (long) (r.nextDouble(-200, 200) / eff)));
                };
            }
            System.arraycopy(acc, 0, copy, 0, n);
            System.arraycopy(acc, 0, orig, 0, n);
            q.apply(acc, 0, n, 0, out, 0);
            q.applyChannel(copy, 0, n, 0, strided, 1, 3);
            for (int i = 0; i < n; i++) {
                int want = FloatRintRequantizer.requant(orig[i], eff, z, lo, hi);
                assertEquals(want, out[i], "acc " + orig[i] + " eff " + eff + " z " + z);
                assertEquals(want, strided[1 + 3 * i]);
                assertEquals(want, q.one(orig[i], 0));
                float unclamped = (float) Math.rint((float) orig[i] * eff) + z;
                assertEquals(unclamped >= lo && unclamped <= hi, q.inside(orig[i], 0), "inside " + orig[i]);
            }
        }
    }

    @Test
    void roundsHalfToEven() {
        float[] eff = {0.5f};
        FloatRintRequantizer q = new FloatRintRequantizer(eff, 0, -128, 127);
        assertEquals(0, q.one(1, 0)); // 0.5
        assertEquals(2, q.one(3, 0)); // 1.5
        assertEquals(2, q.one(5, 0)); // 2.5
        assertEquals(-2, q.one(-3, 0)); // -1.5
        assertEquals(-128, q.one(Integer.MIN_VALUE, 0));
        assertEquals(127, q.one(Integer.MAX_VALUE, 0));
    }

    @Test
    void perTensorRulesApplyToEveryChannel() {
        Requantizer q = Requantizer.of(new Requant.FixedPoint(new int[] {1 << 30}, new int[] {0}), 3, 1, -128, 127);
        byte[] out = new byte[3];
        q.apply(new int[] {10, 11, -300}, 0, 3, 0, out, 0);
        // 10 * 0.5 + 1; 5.5 rounds up; -150 + 1 clamps
        assertEquals(6, out[0]);
        assertEquals(7, out[1]);
        assertEquals(-128, out[2]);
    }
}
