package kilotrain.ops.transpose;

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
