package kilotrain.ops.concat;

import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import kilotrain.ir.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Gradient check of CONCATENATION's backward: for the loss {@code sum w_i y_i} (small integer weights), the central
 * difference in every element of every part equals that part's gradient, along the first, a middle and the last
 * axis, with parts of odd and unequal sizes.
 */
class ConcatBackwardTest {
    @Test
    void eachPartsGradientIsItsBlocksOfTheOutputs() {
        Random r = new Random(6);
        int[][][] shapes = {{{1, 3, 2, 1}, {2, 3, 2, 1}}, {{1, 2, 3, 5}, {1, 2, 1, 5}, {1, 2, 2, 5}},
            {{1, 3, 3, 2}, {1, 3, 3, 3}}};
        int[] axes = {0, 2, 3};
        for (int c = 0; c < shapes.length; c++) {
            int axis = axes[c];
            int[] out = shapes[c][0].clone();
            out[axis] = 0;
            Tensor[] parts = new Tensor[shapes[c].length];
            for (int i = 0; i < parts.length; i++) {
                parts[i] = t("p" + i, 0.1, 2, shapes[c][i]);
                out[axis] += shapes[c][i][axis];
            }
            Concatenation op = new Concatenation("cat", List.of(parts), t("y", 0.1, 2, out), axis);
            int outer = op.outer(), row = op.output.elements() / outer;
            float[] w = new float[op.output.elements()];
            for (int i = 0; i < w.length; i++) {
                w[i] = r.nextInt(9) - 4;
            }
            byte[][] x = new byte[parts.length][];
            for (int i = 0; i < parts.length; i++) {
                x[i] = new byte[parts[i].elements()];
                for (int j = 0; j < x[i].length; j++) {
                    x[i][j] = (byte) (r.nextInt(200) - 100);
                }
            }
            for (int i = 0; i < parts.length; i++) {
                float[] gx = new float[x[i].length];
                Concatenation.grad(w, gx, outer, op.block(i), row, op.blockStart(i), false);
                for (int j = 0; j < x[i].length; j++) {
                    x[i][j]++;
                    double up = loss(op, x, w);
                    x[i][j] -= 2;
                    double down = loss(op, x, w);
                    x[i][j]++;
                    assertEquals((up - down) / 2, gx[j], 0.0, "axis " + axis + " part " + i + " element " + j);
                }
            }
        }
    }

    private static double loss(Concatenation op, byte[][] x, float[] w) {
        byte[] y = new byte[w.length];
        int outer = op.outer(), row = y.length / outer;
        for (int i = 0; i < x.length; i++) {
            Concatenation.put(x[i], 0, y, 0, outer, op.block(i), row, op.blockStart(i));
        }
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            s += w[i] * y[i];
        }
        return s;
    }
}
