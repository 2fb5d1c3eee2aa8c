package kilotrain.ops.concat;

import static kilotrain.ops.OpHarness.bytes;
import static kilotrain.ops.OpHarness.run;
import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

import kilotrain.ir.Tensor;

/** CONCATENATION along each axis of [2,3] tensors and along NHWC channels of different widths. */
class ConcatenationTest {
    @Test
    void tfliteMicroGoldens() {
        Tensor a = t("a", 0.1, 0, 2, 3), b = t("b", 0.1, 0, 2, 3);
        byte[] x = bytes(1, 2, 3, 4, 5, 6), z = bytes(7, 8, 9, 10, 11, 12);
        assertArrayEquals(bytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
                run(new Concatenation("c", List.of(a, b), t("y", 0.1, 0, 4, 3), 0), x, z));
        assertArrayEquals(bytes(1, 2, 3, 7, 8, 9, 4, 5, 6, 10, 11, 12),
                run(new Concatenation("c", List.of(a, b), t("y", 0.1, 0, 2, 6), 1), x, z));
    }

    /**
     * TensorFlow Lite Micro's concatenation_test.cc TwoInputsQuantizedInt8 ([2,1,2] along axis 2),
     * TwoInputsQuantizedInt8FiveDimensions ([2,1,2,1,3] along axis 2) and ThreeDimensionalTwoInputsDifferentShapes
     * ([2,1,2] and [2,3,2] along axis 1; its float values are small integers, the same bytes as int8), byte for byte.
     */
    @Test
    void tfliteMicroQuantizedGoldens() {
        Tensor a = t("a", 0.1, 0, 2, 1, 2), b = t("b", 0.1, 0, 2, 1, 2);
        assertArrayEquals(bytes(1, 2, 5, 6, 3, 4, 7, 8),
                run(new Concatenation("c", List.of(a, b), t("y", 0.1, 0, 2, 1, 4), 2), bytes(1, 2, 3, 4),
                        bytes(5, 6, 7, 8)));
        Tensor a5 = t("a", 0.1, 0, 2, 1, 2, 1, 3), b5 = t("b", 0.1, 0, 2, 1, 2, 1, 3);
        assertArrayEquals(bytes(1, 2, 3, 4, 5, 6, 13, 14, 15, 16, 17, 18, 7, 8, 9, 10, 11, 12, 19, 20, 21, 22, 23, 24),
                run(new Concatenation("c", List.of(a5, b5), t("y", 0.1, 0, 2, 1, 4, 1, 3), 2),
                        bytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
                        bytes(13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24)));
        Tensor a3 = t("a", 0.1, 0, 2, 1, 2), b3 = t("b", 0.1, 0, 2, 3, 2);
        assertArrayEquals(bytes(1, 3, 1, 2, 3, 4, 5, 6, 4, 7, 7, 8, 9, 10, 11, 12),
                run(new Concatenation("c", List.of(a3, b3), t("y", 0.1, 0, 2, 4, 2), 1), bytes(1, 3, 4, 7),
                        bytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)));
    }

    @Test
    void nhwcChannelsOfDifferentWidths() {
        Tensor a = t("a", 0.5, -3, 1, 1, 2, 1), b = t("b", 0.5, -3, 1, 1, 2, 3);
        byte[] y = run(new Concatenation("c", List.of(a, b), t("y", 0.5, -3, 1, 1, 2, 4), 3), bytes(-128, 127),
                bytes(1, 2, 3, 4, 5, 6));
        assertArrayEquals(bytes(-128, 1, 2, 3, 127, 4, 5, 6), y);
    }

    @Test
    void inputsQuantizedUnlikeTheOutputAreRefused() {
        Tensor a = t("a", 0.5, 0, 1, 2), b = t("b", 0.25, 0, 1, 2);
        assertThrows(IllegalArgumentException.class,
                () -> new Concatenation("c", List.of(a, b), t("y", 0.5, 0, 1, 4), 1));
    }
}
