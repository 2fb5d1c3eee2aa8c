package kilotrain.ops.slice;

import static kilotrain.ops.OpHarness.bytes;
import static kilotrain.ops.OpHarness.run;
import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

import kilotrain.ir.Tensor;

/** Strided slices with positive and negative strides, as resolved by the import rule. */
class StridedSliceTest {
    @Test
    void rowsAndReversedColumns() {
        Tensor in = t("x", 1, 0, 3, 4);
        byte[] x = bytes(0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23);
        // x[1:3, ::2]
        assertArrayEquals(bytes(10, 12, 20, 22), run(new StridedSlice("s", in, t("y", 1, 0, 2, 2),
                new int[] {1, 0}, new int[] {3, 4}, new int[] {1, 2}), x));
        // x[::2, ::-1] (start 3, stop -1 exclusive, stride -1)
        assertArrayEquals(bytes(3, 2, 1, 0, 23, 22, 21, 20), run(new StridedSlice("s", in, t("y", 1, 0, 2, 4),
                new int[] {0, 3}, new int[] {3, -1}, new int[] {2, -1}), x));
        // x[2, 1:3] with the first axis shrunk
        assertArrayEquals(bytes(21, 22), run(new StridedSlice("s", in, t("y", 1, 0, 2),
                new int[] {2, 1}, new int[] {3, 3}, new int[] {1, 1}), x));
    }
}
