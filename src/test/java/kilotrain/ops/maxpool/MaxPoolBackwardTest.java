package kilotrain.ops.maxpool;

import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import kilotrain.ir.Padding;
import org.junit.jupiter.api.Test;

/**
 * Gradient check of MAX_POOL_2D's backward: inputs of distinct values (so a +-1 step never changes which pixel holds
 * a window's maximum, and the forward is exactly linear around them), the loss {@code sum w_i y_i} with small integer
 * weights; the central difference in every input element equals the backward's {@code g_x}, with overlapping windows
 * (their contributions summed), SAME padding on odd sizes, and a fused clamp (no gradient where it clamps).
 */
class MaxPoolBackwardTest {
    static List<MaxPool2D> cases() {
        return List.of(
                new MaxPool2D("same", t("x", 0.1, 0, 1, 7, 5, 2), t("y", 0.1, 0, 1, 4, 3, 2), 3, 3, 2, 2,
                        Padding.of(true, 7, 5, 3, 3, 2, 2), -128, 127),
                new MaxPool2D("overlap", t("x", 0.1, 0, 1, 4, 6, 3), t("y", 0.1, 0, 1, 3, 5, 3), 2, 2, 1, 1,
                        Padding.NONE, -128, 127),
                new MaxPool2D("clamped", t("x", 0.1, 0, 1, 6, 4, 4), t("y", 0.1, 0, 1, 3, 2, 4), 2, 2, 2, 2,
                        Padding.NONE, -20, 40));
    }

    @Test
    void backwardIsTheForwardsDerivative() {
        Random r = new Random(2);
        int clampedOutputs = 0;
        for (MaxPool2D p : cases()) {
            int n = p.input.elements(), m = p.output.elements();
            for (int trial = 0; trial < 5; trial++) {
                List<Integer> values = new ArrayList<>();
                for (int v = -127; v < 127; v += 2) {
                    values.add(v); // odd steps apart: a +-1 move never ties
                }
                Collections.shuffle(values, r);
                byte[] x = new byte[n];
                for (int i = 0; i < n; i++) {
                    x[i] = (byte) (int) values.get(i);
                }
                float[] w = new float[m];
                for (int i = 0; i < m; i++) {
                    w[i] = r.nextInt(7) - 3;
                }
                float[] gx = new float[n];
                p.backward(x, 0, w, gx, false);
                byte[] y = new byte[m];
                fwd(p, x, y);
                for (byte b : y) {
                    clampedOutputs += b == p.actMin || b == p.actMax ? 1 : 0;
                }
                for (int j = 0; j < n; j++) {
                    byte keep = x[j];
                    x[j] = (byte) (keep + 1);
                    fwd(p, x, y);
                    double up = dot(w, y);
                    x[j] = (byte) (keep - 1);
                    fwd(p, x, y);
                    double down = dot(w, y);
                    x[j] = keep;
                    if (keep + 1 == p.actMin || keep - 1 == p.actMax || keep == p.actMin || keep == p.actMax) {
                        continue; // the step crosses the clamp: not differentiable there
                    }
                    assertEquals((up - down) / 2, gx[j], 0.0, p.name + " input " + j);
                }
                float[] acc = new float[n];
                java.util.Arrays.fill(acc, -0.25f);
                p.backward(x, 0, w, acc, true);
                for (int j = 0; j < n; j++) {
                    assertEquals(gx[j] + -0.25f, acc[j], 0f);
                }
            }
        }
        assertTrue(clampedOutputs > 10, "the clamped case clamps: " + clampedOutputs);
    }

    private static void fwd(MaxPool2D p, byte[] x, byte[] y) {
        MaxPool2D.forward(x, 0, p.input.height(), p.input.width(), p.input.channels(), p.output.height(),
                p.output.width(), p.filterH, p.filterW, p.strideH, p.strideW, p.padding.top(), p.padding.left(),
                p.actMin, p.actMax, y, 0);
    }

    private static double dot(float[] w, byte[] y) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            s += w[i] * y[i];
        }
        return s;
    }
}
