package kilotrain.ops.transpose;

import static kilotrain.ops.OpHarness.bytes;
import static kilotrain.ops.OpHarness.run;
import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import kilotrain.data.InputFiles;
import kilotrain.ir.Tensor;

/** TRANSPOSE as PyTorch exports put it at the input (NCHW -> NHWC) and back, and an odd 3-D permutation. */
class TransposeTest {
    /**
     * TensorFlow Lite Micro's transpose_test.cc, byte for byte (input 0, 1, 2, ...): 1D, 2DPerm1,
     * 2D4x4KernelLeftOverRightSide, 2D4x4KernelLeftOverBottomSide, 3D, 3DFlatten, 4DFlatten, 4DFlattenTwo,
     * 4DShrinkedOneTimes.
     */
    @Test
    void tfliteMicroGoldens() {
        Object[][] cases = {
            {new int[] {3}, new int[] {0}, new int[] {0, 1, 2}},
            {new int[] {3, 2}, new int[] {1, 0}, new int[] {0, 2, 4, 1, 3, 5}},
            {new int[] {4, 6}, new int[] {1, 0},
                new int[] {0, 6, 12, 18, 1, 7, 13, 19, 2, 8, 14, 20, 3, 9, 15, 21, 4, 10, 16, 22, 5, 11, 17, 23}},
            {new int[] {6, 4}, new int[] {1, 0},
                new int[] {0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21, 2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23}},
            {new int[] {2, 3, 4}, new int[] {2, 0, 1},
                new int[] {0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21, 2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23}},
            {new int[] {2, 2, 3}, new int[] {0, 2, 1}, new int[] {0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11}},
            {new int[] {2, 2, 2, 2}, new int[] {0, 1, 3, 2},
                new int[] {0, 2, 1, 3, 4, 6, 5, 7, 8, 10, 9, 11, 12, 14, 13, 15}},
            {new int[] {2, 2, 2, 2}, new int[] {0, 2, 3, 1},
                new int[] {0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15}},
            {new int[] {2, 2, 3, 1}, new int[] {3, 0, 1, 2}, new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}}};
        for (Object[] c : cases) {
            int[] shape = (int[]) c[0], perm = (int[]) c[1], want = (int[]) c[2];
            int[] out = new int[shape.length];
            for (int d = 0; d < shape.length; d++) {
                out[d] = shape[perm[d]];
            }
            byte[] x = new byte[want.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = (byte) i;
            }
            assertArrayEquals(bytes(want), run(new Transpose("t", t("x", 0.1, 0, shape), t("y", 0.1, 0, out), perm), x),
                    java.util.Arrays.toString(shape) + " by " + java.util.Arrays.toString(perm));
        }
    }

    @Test
    void nchwToNhwcAndBack() {
        int c = 3, h = 5, w = 7;
        byte[] nchw = new byte[c * h * w];
        for (int i = 0; i < nchw.length; i++) {
            nchw[i] = (byte) (i * 31 + 7);
        }
        Tensor in = t("x", 0.1, 2, 1, c, h, w), mid = t("m", 0.1, 2, 1, h, w, c), out = t("y", 0.1, 2, 1, c, h, w);
        byte[] nhwc = run(new Transpose("t", in, mid, new int[] {0, 2, 3, 1}), nchw);
        assertArrayEquals(InputFiles.nchwToNhwc(nchw, c, h, w), nhwc);
        assertArrayEquals(nchw, run(new Transpose("t", mid, out, new int[] {0, 3, 1, 2}), nhwc));
    }

    @Test
    void threeDimensions() {
        Tensor in = t("x", 1, 0, 2, 3, 4), out = t("y", 1, 0, 4, 2, 3);
        byte[] x = new byte[24];
        for (int i = 0; i < 24; i++) {
            x[i] = (byte) i;
        }
        byte[] y = run(new Transpose("t", in, out, new int[] {2, 0, 1}), x);
        for (int a = 0; a < 4; a++) {
            for (int b = 0; b < 2; b++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(x[(b * 3 + c) * 4 + a], y[(a * 2 + b) * 3 + c]);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new Transpose("t", in, out, new int[] {2, 0, 0}));
    }
}
