package kilotrain.ops.activation;

import static kilotrain.ops.OpHarness.run;
import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import kilotrain.ir.Tensor;

/**
 * HARD_SWISH through TFLite's int16 fixed point. TensorFlow Lite Micro's hard_swish_test.cc compares its int8 outputs
 * with the real hard swish within a tolerance of about one output step; so do these tests, on every int8 input over
 * input and output ranges like its random cases (MobileNetV3-like ranges), plus the exact zero.
 */
class HardSwishTest {
    static double hardSwish(double x) {
        return x * Math.min(6, Math.max(0, x + 3)) / 6;
    }

    @Test
    void everyInputNearTheRealFunction() {
        double[][] ranges = {{-3, 3, -1, 3}, {-10, 10, -1, 10}, {-5, 1, -0.5, 0.5}, {-60, 40, -1, 40}};
        byte[] x = new byte[256];
        for (int i = 0; i < 256; i++) {
            x[i] = (byte) (i - 128);
        }
        double worst = 0;
        for (double[] r : ranges) {
            double sIn = (r[1] - r[0]) / 255, sOut = (r[3] - r[2]) / 255;
            int zIn = (int) Math.round(-128 - r[0] / sIn), zOut = (int) Math.round(-128 - r[2] / sOut);
            Tensor in = t("x", sIn, zIn, 1, 256), out = t("y", sOut, zOut, 1, 256);
            byte[] y = run(new HardSwish("h", in, out), x);
            for (int i = 0; i < 256; i++) {
                double real = hardSwish((float) sIn * (i - 128 - zIn));
                double want = Math.max(-128, Math.min(127, Math.round(real / (float) sOut) + zOut));
                worst = Math.max(worst, Math.abs(want - y[i]));
                assertEquals(want, y[i], 1.0, "range " + java.util.Arrays.toString(r) + " q " + (i - 128));
            }
            // hard_swish(0) = 0 exactly
            assertEquals(zOut, run(new HardSwish("h", t("x", sIn, zIn, 1, 1), t("y", sOut, zOut, 1, 1)),
                    new byte[] {(byte) zIn})[0]);
        }
    }
}
