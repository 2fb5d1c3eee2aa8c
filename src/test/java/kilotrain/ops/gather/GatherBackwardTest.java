package kilotrain.ops.gather;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import kilotrain.ir.Quant;
import kilotrain.ir.Tensor;
import kilotrain.ir.DType;
import kilotrain.ops.OneInputOp;
import kilotrain.ops.pad.Pad;
import kilotrain.ops.resize.ResizeNearestNeighbor;
import kilotrain.ops.slice.StridedSlice;
import kilotrain.ops.transpose.Transpose;
import org.junit.jupiter.api.Test;

/**
 * Gradient check of the byte-moving operators' backward ({@link GatherKernel#backward}): with the loss
 * {@code L = sum_i w_i y_i} (small integer weights, so every float sum is exact), the central difference of L in each
 * int8 input element, through the forward, equals the backward's {@code g_x} for {@code g_y = w}, for padding on
 * every side, transpositions, negative-stride slices and nearest-neighbour up- and downsampling; and accumulation
 * adds onto what another consumer wrote.
 */
class GatherBackwardTest {
    static Tensor t(String n, int... shape) {
        return new Tensor(n, shape, DType.INT8, Quant.perTensor(0.1, 3));
    }

    static List<OneInputOp> cases() {
        return List.of(
                new Pad("pad", t("x", 1, 3, 2, 3), t("y", 1, 5, 6, 4),
                        new int[][] {{0, 0}, {1, 1}, {3, 1}, {0, 1}}, (byte) -7),
                new Transpose("nchw", t("x", 1, 2, 3, 4), t("y", 1, 3, 4, 2), new int[] {0, 2, 3, 1}),
                new Transpose("t6", t("x", 2, 1, 3, 1, 2, 2), t("y", 2, 2, 1, 3, 2, 1), new int[] {4, 5, 3, 2, 0, 1}),
                new StridedSlice("slice", t("x", 1, 5, 4, 3), t("y", 1, 2, 2, 3), new int[] {0, 4, 1, 0},
                        new int[] {1, 0, 4, 3}, new int[] {1, -2, 2, 1}),
                new ResizeNearestNeighbor("up", t("x", 1, 2, 3, 2), t("y", 1, 5, 7, 2), false, false),
                new ResizeNearestNeighbor("upc", t("x", 1, 3, 2, 2), t("y", 1, 4, 5, 2), true, false),
                new ResizeNearestNeighbor("down", t("x", 1, 5, 5, 1), t("y", 1, 2, 3, 1), false, true));
    }

    @Test
    void backwardIsTheForwardsDerivative() {
        Random r = new Random(9);
        for (OneInputOp op : cases()) {
            GatherSpec g = ((Gathering) op).gather();
            int n = op.input.elements(), m = op.output.elements();
            byte[] x = new byte[n];
            for (int i = 0; i < n; i++) {
                x[i] = (byte) (r.nextInt(200) - 100);
            }
            float[] w = new float[m];
            for (int i = 0; i < m; i++) {
                w[i] = r.nextInt(9) - 4;
            }
            float[] gx = new float[n];
            GatherKernel.backward(g, w, gx, false);
            byte[] y = new byte[m];
            for (int j = 0; j < n; j++) {
                byte keep = x[j];
                x[j] = (byte) (keep + 1);
                GatherKernel.forward(g, x, 0, y, 0);
                double up = dot(w, y);
                x[j] = (byte) (keep - 1);
                GatherKernel.forward(g, x, 0, y, 0);
                double down = dot(w, y);
                x[j] = keep;
                assertEquals((up - down) / 2, gx[j], 0.0, op.name + " input " + j);
            }
            float[] acc = new float[n];
            java.util.Arrays.fill(acc, 0.5f);
            GatherKernel.backward(g, w, acc, true);
            for (int j = 0; j < n; j++) {
                assertEquals(gx[j] + 0.5f, acc[j], 0.0f, op.name + " accumulated " + j);
            }
        }
    }

    /** The fill is the pad value, never an input byte, and the padding's gradient goes nowhere. */
    @Test
    void paddingFillsAndDropsGradient() {
        Pad p = (Pad) cases().get(0);
        GatherSpec g = p.gather();
        byte[] x = new byte[p.input.elements()];
        java.util.Arrays.fill(x, (byte) 9);
        byte[] y = new byte[p.output.elements()];
        GatherKernel.forward(g, x, 0, y, 0);
        int fills = 0;
        for (byte b : y) {
            fills += b == -7 ? 1 : 0;
        }
        assertEquals(p.output.elements() - p.input.elements(), fills);
        float[] gy = new float[y.length];
        java.util.Arrays.fill(gy, 1f);
        float[] gx = new float[x.length];
        GatherKernel.backward(g, gy, gx, false);
        for (float v : gx) {
            assertEquals(1f, v, 0f);
        }
    }

    private static double dot(float[] w, byte[] y) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            s += w[i] * y[i];
        }
        return s;
    }
}
