package kilotrain.ops.activation;

import static kilotrain.ops.OpHarness.run;
import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import kilotrain.ir.Tensor;

/**
 * LOGISTIC and TANH through gemmlowp's fixed point. TensorFlow Lite Micro's logistic_test.cc checks its int8 outputs
 * within one step of the rounded real logistic (its goldens are floats), and so do these tests, over its cases and
 * over every int8 input at several input scales; exact values come from the arithmetic's fixed points.
 */
class SigmoidTest {
    static byte[] all() {
        byte[] x = new byte[256];
        for (int i = 0; i < 256; i++) {
            x[i] = (byte) (i - 128);
        }
        return x;
    }

    @Test
    void tfliteMicroLogisticCasesWithinItsTolerance() {
        // LogisticQuantizedInt8BasicShouldMatchGolden (scale 0.1) and ...WideRange... (scale 1.0, +-93 saturates)
        float[] in = {1, 2, 3, 4, 5, -1, -2, -3, -4, -5};
        for (float scale : new float[] {0.1f, 1.0f}) {
            Tensor x = t("x", scale, 0, 1, 10), y = t("y", 1.0 / 255.0, -128, 1, 10);
            byte[] q = new byte[10];
            for (int i = 0; i < 10; i++) {
                q[i] = (byte) Math.round(in[i] / scale);
            }
            byte[] out = run(new Sigmoid("s", x, y, false), q);
            for (int i = 0; i < 10; i++) {
                double golden = 1 / (1 + Math.exp(-in[i]));
                assertEquals(Math.round(golden * 255) - 128, out[i], 1.0, "logistic(" + in[i] + ")");
            }
        }
        Tensor x = t("x", 1.0, 0, 1, 2), y = t("y", 1.0 / 256, -128, 1, 2);
        byte[] out = run(new Sigmoid("s", x, y, false), new byte[] {93, -93});
        assertEquals(127, out[0]);
        assertEquals(-128, out[1]);
    }

    @Test
    void everyInputWithinOneStepOfTheRealFunction() {
        for (double scale : new double[] {0.02, 0.0625, 0.1, 0.37}) {
            for (int z : new int[] {-128, -3, 40, 127}) {
                Tensor x = t("x", scale, z, 1, 256);
                byte[] lo = run(new Sigmoid("s", x, t("y", 1.0 / 256, -128, 1, 256), false), all());
                byte[] th = run(new Sigmoid("s", x, t("y", 1.0 / 128, 0, 1, 256), true), all());
                for (int i = 0; i < 256; i++) {
                    double v = (float) scale * (i - 128 - z);
                    double wantLogistic = Math.min(127, Math.round(256 / (1 + Math.exp(-v))) - 128);
                    double wantTanh = Math.max(-128, Math.min(127, Math.round(128 * Math.tanh(v))));
                    assertEquals(wantLogistic, lo[i], 1.0, "logistic scale " + scale + " z " + z + " q " + (i - 128));
                    assertEquals(wantTanh, th[i], 1.0, "tanh scale " + scale + " z " + z + " q " + (i - 128));
                    if (i > 0) {
                        assertTrue(lo[i] >= lo[i - 1] && th[i] >= th[i - 1], "monotonic");
                    }
                }
            }
        }
    }

    @Test
    void exactFixedPoints() {
        Tensor x = t("x", 0.1, 5, 1, 1);
        // logistic(0) = 1/2 -> 128 - 128 = 0; tanh(0) = 0
        assertEquals(0, run(new Sigmoid("s", x, t("y", 1.0 / 256, -128, 1, 1), false), new byte[] {5})[0]);
        assertEquals(0, run(new Sigmoid("s", x, t("y", 1.0 / 128, 0, 1, 1), true), new byte[] {5})[0]);
        // tanh is odd: tanh(-v) = -tanh(v) on the symmetric inputs z +- k, until +1 saturates at 127 and -1 at -128
        byte[] th = run(new Sigmoid("s", t("x", 0.05, 0, 1, 256), t("y", 1.0 / 128, 0, 1, 256), true), all());
        for (int k = 1; k < 128; k++) {
            if (th[128 + k] < 127) {
                assertEquals(-th[128 + k], th[128 - k], "tanh(" + k + ")");
            } else {
                assertTrue(th[128 - k] <= -127, "tanh(-" + k + ")");
            }
        }
    }
}
