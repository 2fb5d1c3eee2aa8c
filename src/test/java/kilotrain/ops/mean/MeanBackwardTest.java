package kilotrain.ops.mean;

import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import kilotrain.ir.Tensor;
import kilotrain.ops.conv.ConvMask;
import org.junit.jupiter.api.Test;

/**
 * Gradient check of MEAN's backward: moving every pixel of channel c by +-d (d = 12) moves the output by the central
 * difference {@code (y(x + d) - y(x - d)) / 2d}, which must equal the sum over the pixels of the backward's
 * {@code g_x} for {@code g_y = e_c} within the rounding of two outputs (1 / d); where the requantized mean saturates
 * (mask 0) both are 0. Both integer rules (same quantization: truncating division; requantized), zero points at the
 * extremes, an odd 5x7 window.
 */
class MeanBackwardTest {
    @Test
    void gradientMatchesCentralDifferences() {
        Tensor[][] cases = {
            {t("x", 0.05, -128, 1, 5, 7, 3), t("y", 0.02, 127, 1, 1, 1, 3)},
            {t("x", 0.05, 127, 1, 5, 7, 3), t("y", 0.03, -128, 1, 3)},
            {t("x", 0.1, 4, 1, 5, 7, 3), t("y", 0.1, 4, 1, 1, 1, 3)},
            {t("x", 0.02, -5, 1, 2, 3, 4), t("y", 0.05, 9, 1, 4)}};
        Random r = new Random(4);
        int checked = 0, saturated = 0;
        for (Tensor[] c : cases) {
            Mean m = new Mean("mean", c[0], c[1]);
            int pixels = c[0].height() * c[0].width(), ch = c[0].channels();
            int d = 12;
            for (int trial = 0; trial < 30; trial++) {
                byte[] x = new byte[c[0].elements()];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (byte) (r.nextInt(256 - 2 * d) - 128 + d);
                }
                byte[] y = new byte[ch], up = new byte[ch], down = new byte[ch], mask = new byte[1];
                forward(m, x, y, mask);
                for (int o = 0; o < ch; o++) {
                    float[] gy = new float[ch];
                    gy[o] = 1f;
                    float[] gx = new float[x.length];
                    MeanBackward.grad(m, m.gradientFactor(), gy, m.sameQuant ? null : mask, 0, gx, false);
                    double sum = 0;
                    for (int p = 0; p < pixels; p++) {
                        sum += gx[p * ch + o];
                        for (int k = 0; k < ch; k++) {
                            if (k != o) {
                                assertEquals(0f, gx[p * ch + k], 0f);
                            }
                        }
                    }
                    byte[] xu = x.clone(), xd = x.clone();
                    for (int p = 0; p < pixels; p++) {
                        xu[p * ch + o] += d;
                        xd[p * ch + o] -= d;
                    }
                    forward(m, xu, up, new byte[1]);
                    forward(m, xd, down, new byte[1]);
                    double fd = (up[o] - down[o]) / (2.0 * d);
                    boolean inside = m.sameQuant || ConvMask.get(mask, 0, o);
                    if (!inside) {
                        assertEquals(0.0, sum, 0.0);
                        saturated++;
                        continue;
                    }
                    if (up[o] == 127 || down[o] == -128) {
                        continue; // the perturbation itself saturates
                    }
                    assertEquals(fd, sum, 1.0 / d + 1e-6, "channel " + o);
                    checked++;
                }
            }
        }
        assertTrue(checked > 100 && saturated > 5, checked + " checked, " + saturated + " saturated");
    }

    private static void forward(Mean m, byte[] x, byte[] y, byte[] mask) {
        int pixels = m.input.height() * m.input.width(), c = m.input.channels();
        if (m.sameQuant) {
            Mean.meanSameQuant(x, 0, pixels, c, y, 0, new int[c]);
        } else {
            Mean.meanRequant(x, 0, pixels, c, m.input.quant.zeroPoint(), m.multiplier, m.shift,
                    m.output.quant.zeroPoint(), y, 0, new int[c], mask, 0, 0);
        }
    }
}
