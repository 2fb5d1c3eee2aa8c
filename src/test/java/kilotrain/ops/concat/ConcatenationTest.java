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
