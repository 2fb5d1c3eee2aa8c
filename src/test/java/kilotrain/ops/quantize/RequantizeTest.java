package kilotrain.ops.quantize;

import static kilotrain.ops.OpHarness.bytes;
import static kilotrain.ops.OpHarness.run;
import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

import kilotrain.ir.Tensor;

/** int8 -> int8 QUANTIZE (TFLite's reference Requantize): zero point moves, scale changes, saturation. */
class RequantizeTest {
    /**
     * TensorFlow Lite Micro's quantize_test.cc QuantizeOpTestInt8toInt8 (values -64..62 at scale 2, zero point 0, to
     * scale 0.5, zero point 32: the large values saturate) and QuantizeOpTestInt8toInt8NoZeroPoint (scale 1 to 0.5),
     * byte for byte; the goldens are the float values quantized at the output scale ({@code round(v / s) + z},
     * clamped) as its test computes them.
     */
    @Test
    void tfliteMicroGoldens() {
        Tensor x = t("x", 2.0, 0, 2, 5), y = t("y", 0.5, 32, 2, 5);
        assertArrayEquals(bytes(-96, -92, -88, -84, -80, 127, 127, 127, 127, 127),
                run(new Requantize("q", x, y), bytes(-32, -31, -30, -29, -28, 27, 28, 29, 30, 31)));
        Tensor x1 = t("x", 1.0, 0, 2, 5), y1 = t("y", 0.5, 0, 2, 5);
        assertArrayEquals(bytes(-64, -62, -60, -58, -56, 54, 56, 58, 60, 62),
                run(new Requantize("q", x1, y1), bytes(-32, -31, -30, -29, -28, 27, 28, 29, 30, 31)));
    }

    /**
     * The float -> int8 QUANTIZE of a float-interface model's input, as a firmware (and {@code predict}) applies it, on
     * the values and quantization of quantize_test.cc's QuantizeOpTestInt16 (-63.5..64, scale 0.5, zero point -1; all
     * of them inside the int8 range, halves away from zero).
     */
    @Test
    void floatInputQuantizationGolden() {
        float[] v = {-63.5f, -63f, -62.5f, -62f, -61.5f, 62f, 62.5f, 63f, 63.5f, 64f};
        byte[] want = bytes(-128, -127, -126, -125, -124, 123, 124, 125, 126, 127);
        for (int i = 0; i < v.length; i++) {
            org.junit.jupiter.api.Assertions.assertEquals(want[i], kilotrain.data.InputSpec.quantizeReal(v[i], 0.5f, -1),
                    "value " + v[i]);
        }
    }

    @Test
    void sameScaleMovesTheZeroPoint() {
        // scale 0.5 zero point -1 to scale 0.5 zero point -127: each byte moves by the difference, saturating
        Tensor x = t("x", 0.5, -1, 1, 6), y = t("y", 0.5, -127, 1, 6);
        assertArrayEquals(bytes(-128, -128, -127, -126, -98, 1), run(new Requantize("q", x, y),
                bytes(-128, -127, -1, 0, 28, 127)));
    }

    @Test
    void changesScaleWithTflitesRounding() {
        Tensor x = t("x", 0.5, 0, 1, 6), y = t("y", 1.0, 0, 1, 6);
        // halves round toward +infinity in gemmlowp's SaturatingRoundingDoublingHighMul: 1.5 -> 2, -1.5 -> -1,
        // 0.5 -> 1, -0.5 -> 0
        assertArrayEquals(bytes(2, -1, 1, 0, 64, -64), run(new Requantize("q", x, y), bytes(3, -3, 1, -1, 127, -128)));
        // a larger output range: scale 0.5 -> 0.25 doubles, saturating at both ends
        Tensor x4 = t("x", 0.5, 0, 1, 4), y4 = t("y", 0.25, 10, 1, 4);
        assertArrayEquals(bytes(127, -128, 10, 50), run(new Requantize("q", x4, y4), bytes(100, -100, 0, 20)));
    }

    /**
     * Gradient check of the backward (int8 domain, {@code d q_y / d q_x}): where the output does not saturate within
     * [x - 8, x + 8], the central difference of the forward over that span equals {@link Requantize#gradient} within the
     * two roundings (1/16); where the unsaturated result lies outside [-128, 127], the gradient is 0; elsewhere the
     * ratio of scales exactly.
     */
    @Test
    void gradientMatchesTheForwardsDifferences() {
        double[][] cases = {{0.05, -3, 0.02, 5}, {0.03, 127, 0.05, 127}, {0.02, -128, 0.03, -128}, {0.5, 0, 0.25, 10}};
        for (double[] c : cases) {
            Tensor x = t("x", c[0], (int) c[1], 1, 1), y = t("y", c[2], (int) c[3], 1, 1);
            Requantize q = new Requantize("q", x, y);
            float ratio = (float) ((double) (float) c[0] / (double) (float) c[2]);
            int interior = 0;
            for (int v = -128; v < 128; v++) {
                float g = q.gradient(v);
                double real = (v - c[1]) * c[0] / c[2] + c[3];
                if (real < -129 || real > 128) {
                    org.junit.jupiter.api.Assertions.assertEquals(0f, g, "saturated input " + v);
                    continue;
                }
                if (real > -127 && real < 126) {
                    org.junit.jupiter.api.Assertions.assertEquals(ratio, g, 0f, "input " + v);
                }
                int lo = v - 8, hi = v + 8;
                if (lo < -128 || hi > 127) {
                    continue;
                }
                int a = q.apply(lo), b = q.apply(hi);
                if (a == -128 || a == 127 || b == -128 || b == 127) {
                    continue;
                }
                double fd = (b - a) / 16.0;
                org.junit.jupiter.api.Assertions.assertEquals(g, fd, 1.0 / 16 + 1e-9, "input " + v);
                interior++;
            }
            org.junit.jupiter.api.Assertions.assertTrue(interior > 10, "points checked: " + interior);
        }
    }
}
