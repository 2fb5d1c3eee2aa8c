package kilotrain.ops.activation;

import static kilotrain.ops.OpHarness.bytes;
import static kilotrain.ops.OpHarness.run;
import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import kilotrain.ir.Tensor;

/**
 * Golden data from TensorFlow Lite Micro's activations_test.cc (int8 RELU, RELU6) and leaky_relu_test.cc (int8
 * LEAKY_RELU), and requantizing cases.
 */
class ActivationsTest {
    @Test
    void tfliteMicroReluGolden() {
        // SimpleReluTestInt8: inputs 1..5, -1..-5 at scale 0.5, zero point 0
        Tensor x = t("x", 0.5, 0, 1, 10), y = t("y", 0.5, 0, 1, 10);
        assertArrayEquals(bytes(2, 4, 6, 8, 10, 0, 0, 0, 0, 0),
                run(new Relu("r", x, y, false), bytes(2, 4, 6, 8, 10, -2, -4, -6, -8, -10)));
    }

    @Test
    void tfliteMicroRelu6GoldenAtTheTopZeroPoint() {
        // SimpleRelu6TestInt8: zero point 127 and scale 0.5, so every value, 0 and 6 included, saturates to 127
        Tensor x = t("x", 0.5, 127, 1, 10), y = t("y", 0.5, 127, 1, 10);
        byte[] in = bytes(127, 127, 127, 127, 127, 125, 123, 121, 119, 117);
        byte[] want = new byte[10];
        java.util.Arrays.fill(want, (byte) 127);
        assertArrayEquals(want, run(new Relu("r", x, y, true), in));
    }

    @Test
    void relu6ClampsToTheInputsZeroAndSix() {
        Tensor x = t("x", 0.1, -20, 1, 6), y = t("y", 0.1, -20, 1, 6);
        // 0 -> -20, 6 -> 60 - 20 = 40
        assertArrayEquals(bytes(-20, -20, 0, 40, 40, 39), run(new Relu("r", x, y, true), bytes(-128, -21, 0, 40, 127, 39)));
    }

    @Test
    void reluRequantizesToAnotherScale() {
        Tensor x = t("x", 0.1, -10, 1, 4), y = t("y", 0.05, -128, 1, 4);
        // real values -11.8, 0, 2.5, 13.7 -> clamp at 0 -> q = v / 0.05 - 128: -128, -128, -78, 127 (saturated)
        assertArrayEquals(bytes(-128, -128, -78, 127), run(new Relu("r", x, y, false), bytes(-128, -10, 15, 127)));
    }

    @Test
    void leakyReluBothSlopes() {
        Tensor x = t("x", 0.1, 0, 1, 5), y = t("y", 0.1, 0, 1, 5);
        LeakyRelu l = new LeakyRelu("l", x, y, 0.5f);
        // positive values pass, negative ones halve; -1.5 rounds toward +infinity (gemmlowp) to -1
        assertArrayEquals(bytes(10, 127, -5, -64, -1), run(l, bytes(10, 127, -10, -128, -3)));
        // a negative alpha and a different output scale
        Tensor y2 = t("y", 0.2, 5, 1, 5);
        byte[] out = run(new LeakyRelu("l", x, y2, -0.25f), bytes(10, 127, -10, -128, -3));
        assertEquals(10, out[0]); // 1.0 / 0.2 + 5
        assertEquals(69, out[1]); // 12.7 / 0.2 + 5 = 68.5 -> 69
        assertEquals(6, out[2]); // -1.0 * -0.25 / 0.2 + 5 = 6.25 -> 6
        assertEquals(21, out[3]); // 3.2 / 0.2 + 5
        // 0.075 / 0.2 + 5 = 5.375, but TFLite's two roundings (1.5 -> 2 in the doubling high multiply, then
        // 2 / 4 = 0.5 -> 1 in the rounding shift) give 6
        assertEquals(6, out[4]);
    }

    @Test
    void tfliteMicroLeakyReluGoldens() {
        // QuantizedActivationsOpTestLeakyReluInt8_1: alpha 0.5, scale 0.1, zero point 0; its tolerance 2/256 is below
        // half a step, so the dequantized goldens {0, 1, 3, 1, -0.5, -1} fix the bytes
        Tensor x = t("x", 0.1f, 0, 2, 3), y = t("y", 0.1f, 0, 2, 3);
        assertArrayEquals(bytes(0, 10, 30, 10, -5, -10),
                run(new LeakyRelu("l", x, y, 0.5f), bytes(0, 10, 30, 10, -10, -20)));
        // QuantizedActivationsOpTestLeakyReluInt8_2: alpha 0.1 over [-5, 5 * 127/128] (scale 10/256, zero point 0),
        // within its tolerance 5 * 2/256, that is one step
        float s = (5f * 127f / 128f + 5f) / 255f;
        Tensor x2 = t("x", s, 0, 5, 5), y2 = t("y", s, 0, 5, 5);
        float[] in = new float[25];
        byte[] q = new byte[25];
        for (int i = 0; i < 25; i++) {
            in[i] = -5.0f + 0.4f * i;
            q[i] = (byte) Math.max(-128, Math.min(127, Math.round(in[i] / s)));
        }
        byte[] out = run(new LeakyRelu("l", x2, y2, 0.1f), q);
        for (int i = 0; i < 25; i++) {
            float want = in[i] < 0 ? 0.1f * in[i] : in[i];
            assertEquals(want, out[i] * s, 5 * 2f / 256, "leaky_relu(" + in[i] + ")");
        }
    }
}
