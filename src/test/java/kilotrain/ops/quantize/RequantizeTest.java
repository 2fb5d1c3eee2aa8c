package kilotrain.ops.quantize;

import static kilotrain.ops.OpHarness.bytes;
import static kilotrain.ops.OpHarness.run;
import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

import kilotrain.ir.Tensor;

/** int8 -> int8 QUANTIZE (TFLite's reference Requantize): zero point moves, scale changes, saturation. */
class RequantizeTest {
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
}
