package kilotrain.ops.activation;

import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleUnaryOperator;

import org.junit.jupiter.api.Test;

import kilotrain.ir.Tensor;
import kilotrain.ops.TableGradient;
import kilotrain.ops.TableOp;

/**
 * Numeric gradient check of every activation's gradient table ({@link TableGradient}): at each int8 input away from a
 * kink or clamp edge, the table's derivative equals the central difference of the operator's real-valued relaxation in the quantized
 * domain ({@code y_q(x_q)}, clamped as the int8 output is); LOGISTIC and TANH, whose derivative comes from the int8
 * output, within the derivative's change over one output step. Over several scales and zero points at the extremes.
 */
class ActivationGradTest {
    static final double H = 1e-3;
    static final int[] ZEROS = {-128, -5, 0, 37, 127};

    /** Checks {@code op}'s table against relaxation {@code f}; {@code skip} marks kinks; returns the checked count. */
    static int check(TableOp op, DoubleUnaryOperator f, java.util.function.IntPredicate skip, double tol) {
        float[] d = ((TableGradient) op).gradientTable();
        int checked = 0;
        for (int x = -128; x < 128; x++) {
            double up = f.applyAsDouble(x + H), down = f.applyAsDouble(x - H), mid = f.applyAsDouble(x);
            if (skip.test(x) || near(up) || near(down) || near(mid)) {
                continue;
            }
            double numeric = (Math.min(127, Math.max(-128, up)) - Math.min(127, Math.max(-128, down))) / (2 * H);
            float analytic = d[x & 0xff];
            assertEquals(numeric, analytic, tol + 1e-6 * Math.abs(numeric), op.kind() + " at x = " + x + " ("
                    + op.input.quant + " -> " + op.output.quant + ")");
            checked++;
        }
        return checked;
    }

    /**
     * Within 1 of an int8 clamp edge, where the relaxation's kink and the rounded forward's saturation may fall on
     * different sides of x (as GradCheck.clampEdges keeps its edges 1 away).
     */
    static boolean near(double y) {
        return Math.abs(y + 128) < 1 || Math.abs(y - 127) < 1;
    }

    @Test
    void reluAndRelu6() {
        int total = 0;
        for (double s : new double[] {0.02, 0.1, 0.5}) {
            for (int z : ZEROS) {
                Tensor x = t("x", s, z, 1, 256);
                for (int zo : new int[] {-128, 0, 60}) {
                    Relu r = new Relu("r", x, t("y", 0.7 * s, zo, 1, 256), false);
                    double ratio = (double) (float) s / (double) (float) (0.7 * s);
                    total += check(r, v -> Math.max(r.lo, zo + (v - z) * ratio), v -> Math.abs(zo + (v - z) * ratio
                            - r.lo) < 1, 0);
                }
                Relu six = new Relu("r6", x, t("y", s, z, 1, 256), true);
                total += check(six, v -> Math.min(six.hi, Math.max(six.lo, v)), v -> Math.abs(v - six.lo) < 1
                        || Math.abs(v - six.hi) < 1, 0);
            }
        }
        assertTrue(total > 3000, "points checked: " + total);
    }

    @Test
    void leakyRelu() {
        int total = 0;
        for (float alpha : new float[] {0.2f, 0.3f, 0.01f, -0.25f}) {
            for (double s : new double[] {0.03, 0.1}) {
                for (int z : ZEROS) {
                    Tensor x = t("x", s, z, 1, 256), y = t("y", s * 0.8, -z / 2, 1, 256);
                    LeakyRelu l = new LeakyRelu("l", x, y, alpha);
                    double r = (double) (float) s / (double) (float) (s * 0.8);
                    total += check(l, v -> -z / 2 + r * (v - z) * (v >= z ? 1 : alpha), v -> v == z, 0);
                }
            }
        }
        assertTrue(total > 2500, "points checked: " + total);
    }

    static double hardSwish(double v) {
        return v * Math.min(6, Math.max(0, v + 3)) / 6;
    }

    @Test
    void hardSwish() {
        int total = 0;
        double[][] ranges = {{-3, 3, -1, 3}, {-10, 10, -1, 10}, {-5, 1, -0.5, 0.5}, {-60, 40, -1, 40}, {-6, 6, -0.4, 6}};
        for (double[] rg : ranges) {
            double sIn = (rg[1] - rg[0]) / 255, sOut = (rg[3] - rg[2]) / 255;
            int zIn = (int) Math.round(-128 - rg[0] / sIn), zOut = (int) Math.round(-128 - rg[2] / sOut);
            HardSwish h = new HardSwish("h", t("x", sIn, zIn, 1, 256), t("y", sOut, zOut, 1, 256));
            double si = (float) sIn, so = (float) sOut;
            total += check(h, v -> zOut + hardSwish(si * (v - zIn)) / so, v -> Math.abs(Math.abs(si * (v - zIn)) - 3)
                    < 2 * H * si, 1e-6);
        }
        assertTrue(total > 1000, "points checked: " + total);
    }

    @Test
    void logisticAndTanhFromTheirInt8Outputs() {
        int total = 0;
        for (double s : new double[] {0.02, 0.0625, 0.1, 0.37}) {
            for (int z : ZEROS) {
                Tensor x = t("x", s, z, 1, 256);
                double sf = (float) s;
                Sigmoid lo = new Sigmoid("s", x, t("y", 1.0 / 256, -128, 1, 256), false);
                Sigmoid th = new Sigmoid("t", x, t("y", 1.0 / 128, 0, 1, 256), true);
                // one output step of p (1/256) moves 256 s p (1 - p) by at most s; one step of t (1/128), 128 s (1 - t^2)
                // by at most 2 s: within that of the true derivative, plus the int8 output's own error (one step)
                total += check(lo, v -> 256 / (1 + Math.exp(-sf * (v - z))) - 128, v -> false, 2 * sf);
                total += check(th, v -> 128 * Math.tanh(sf * (v - z)), v -> false, 4 * sf);
            }
        }
        assertTrue(total > 4000, "points checked: " + total);
    }
}
