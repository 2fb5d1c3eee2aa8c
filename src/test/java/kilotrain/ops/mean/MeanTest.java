package kilotrain.ops.mean;

import static kilotrain.ops.OpHarness.bytes;
import static kilotrain.ops.OpHarness.run;
import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import kilotrain.ir.Tensor;
import kilotrain.ops.requant.FixedPointMath;

/**
 * TensorFlow Lite Micro's reduce_test.cc MeanInt84DKeepDims / WithoutKeepDims (its inputs 1..24 at scale 0.5, mean
 * over axes 1 and 2), and the requantizing rule on hand-computed cases.
 */
class MeanTest {
    @Test
    void tfliteMicroGoldens() {
        byte[] x = new byte[24];
        for (int i = 0; i < 24; i++) {
            x[i] = (byte) (2 * (i + 1)); // 1.0 .. 24.0 quantized at scale 0.5
        }
        // golden 6, 7, 18, 19 at scale 0.5 (TFLite Micro checks within 1; the reference arithmetic gives these exactly)
        Tensor in = t("x", 0.5, 0, 2, 2, 3, 2);
        assertArrayEquals(bytes(12, 14, 36, 38), run(new Mean("m", in, t("y", 0.5, 0, 2, 1, 1, 2)), x));
        assertArrayEquals(bytes(12, 14, 36, 38), run(new Mean("m", in, t("y", 0.5, 0, 2, 2)), x));
    }

    @Test
    void sameQuantizationTruncatesTowardZero() {
        // sums -7 and 7 over 2 pixels: -3.5 -> -3 and 3.5 -> 3 (C's integer division), not rounded
        Tensor in = t("x", 0.1, 3, 1, 1, 2, 2);
        assertArrayEquals(bytes(-3, 3), run(new Mean("m", in, t("y", 0.1, 3, 1, 2)), bytes(-3, 3, -4, 4)));
    }

    @Test
    void requantizesWithTheCountFoldedIntoTheMultiplier() {
        Tensor in = t("x", 0.02, -128, 1, 3, 3, 1), out = t("y", 0.05, 10, 1, 1);
        Mean m = new Mean("m", in, out);
        byte[] x = bytes(-128, 127, 127, 127, 127, 127, 127, 127, 127);
        int sum = -128 + 8 * 127;
        FixedPointMath.Multiplier q = FixedPointMath.quantizeMultiplier(0.02f / (double) 0.05f);
        int shift = 63 - Long.numberOfLeadingZeros(9);
        int mult = (int) (((long) q.multiplier() << shift) / 9);
        int want = FixedPointMath.multiplyByQuantizedMultiplier(sum + 128 * 9, mult, q.shift() - shift) + 10;
        assertEquals(Math.min(127, want), run(m, x)[0]);
        // the real mean (255 * 8 / 9 * 0.02 = 4.533) / 0.05 + 10 = 100.7
        assertEquals(101, run(m, x)[0]);
        // saturation: every input at 127 gives 255 * 0.02 / 0.05 + 10 = 112; a smaller output scale saturates
        Mean small = new Mean("m", in, t("y", 0.01, 10, 1, 1));
        assertEquals(127, run(small, bytes(127, 127, 127, 127, 127, 127, 127, 127, 127))[0]);
    }
}
