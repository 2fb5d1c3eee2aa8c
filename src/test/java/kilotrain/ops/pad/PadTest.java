package kilotrain.ops.pad;

import static kilotrain.ops.OpHarness.bytes;
import static kilotrain.ops.OpHarness.run;
import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import kilotrain.ir.Tensor;

/** Golden data from TensorFlow Lite Micro's pad_test.cc (Test2DInt8, Test2DInt8V2), plus padding on every side. */
class PadTest {
    @Test
    void tfliteMicroGoldens() {
        Tensor in = t("x", 1.0, 0, 1, 2, 2, 1), out = t("y", 1.0, 0, 3, 2, 4, 1);
        int[][] pads = {{1, 1}, {0, 0}, {1, 1}, {0, 0}};
        assertArrayEquals(bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                run(new Pad("p", in, out, pads, (byte) 0), bytes(1, 2, 3, 4)));
        assertArrayEquals(bytes(42, 42, 42, 42, 42, 42, 42, 42, 42, 1, 2, 42, 42, 3, 4, 42, 42, 42, 42, 42, 42, 42,
                42, 42), run(new Pad("p", in, out, pads, (byte) 42), bytes(1, 2, 3, 4)));
    }

    @Test
    void everySideDifferentlyWithAnExtremeZeroPoint() {
        // [1,1,2,3] padded by top 1, bottom 0, left 0, right 2, channels 1 before and 0 after: fill is z = -128
        Tensor in = t("x", 0.1, -128, 1, 1, 2, 3), out = t("y", 0.1, -128, 1, 2, 4, 4);
        int[][] pads = {{0, 0}, {1, 0}, {0, 2}, {1, 0}};
        byte[] y = run(new Pad("p", in, out, pads, (byte) -128), bytes(1, 2, 3, 4, 5, 127));
        byte[] want = new byte[32];
        java.util.Arrays.fill(want, (byte) -128);
        // row 1 (after the top pad), pixels 0 and 1, channels 1..3
        want[16 + 1] = 1;
        want[16 + 2] = 2;
        want[16 + 3] = 3;
        want[20 + 1] = 4;
        want[20 + 2] = 5;
        want[20 + 3] = 127;
        assertArrayEquals(want, y);
    }

    @Test
    void paddingsThatDoNotGiveTheOutputShapeAreRefused() {
        Tensor in = t("x", 1.0, 0, 1, 2, 2, 1), out = t("y", 1.0, 0, 1, 4, 4, 1);
        assertThrows(IllegalArgumentException.class,
                () -> new Pad("p", in, out, new int[][] {{0, 0}, {1, 1}, {1, 0}, {0, 0}}, (byte) 0));
    }
}
