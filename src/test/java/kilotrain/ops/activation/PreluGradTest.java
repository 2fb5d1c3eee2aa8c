package kilotrain.ops.activation;

import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

import kilotrain.ir.Quant;
import kilotrain.ir.Tensor;

/**
 * Numeric gradient check of PRELU's backward: at every element away from the kink (x = z_x) and 1 away from the
 * int8 clamp edges, {@code g_x} equals the central difference of {@code L = sum g_y * clamp(y)} for the real-valued
 * relaxation, with alpha of one value, per channel ([1, 1, C], Keras' shared_axes=[1, 2]) and per element (Keras'
 * default), signed, zero points at the extremes.
 */
class PreluGradTest {
    @Test
    void everyAlphaLayout() {
        Random r = new Random(5);
        int[] xShape = {1, 3, 5, 4};
        int checked = 0;
        for (int[] aShape : new int[][] {{1}, {1, 1, 4}, {3, 5, 4}}) {
            for (int[] z : new int[][] {{-128, 0, 127}, {5, -3, -128}, {127, 10, 0}}) {
                double sx = 0.03 + r.nextDouble() * 0.05, sa = 0.005 + r.nextDouble() * 0.01, sy = sx * 0.9;
                Tensor x = t("x", sx, z[0], xShape), y = t("y", sy, z[2], xShape);
                int na = 1;
                for (int d : aShape) {
                    na *= d;
                }
                byte[] av = new byte[na];
                for (int i = 0; i < na; i++) {
                    av[i] = (byte) (r.nextInt(256) - 128);
                }
                Tensor alpha = Tensor.int8("alpha", aShape, Quant.perTensor(sa, z[1]), av);
                Prelu p = new Prelu("p", x, alpha, y);
                int n = x.elements();
                byte[] q = new byte[n];
                r.nextBytes(q);
                float[] gY = new float[n], gX = new float[n];
                for (int i = 0; i < n; i++) {
                    gY[i] = r.nextFloat() * 2 - 1;
                }
                p.backward(p.slopes(), q, 0, gY, gX, false);
                double fx = (float) sx, fa = (float) sa, fy = (float) sy;
                for (int i = 0; i < n; i++) {
                    int a = av[i % na] - z[1];
                    final int zx = z[0], zy = z[2];
                    java.util.function.DoubleUnaryOperator f = v -> zy + (v >= zx ? (v - zx) * fx / fy
                            : (v - zx) * fx * fa * a / fy);
                    double mid = f.applyAsDouble(q[i]);
                    if (q[i] == zx || Math.abs(mid + 128) < 1 || Math.abs(mid - 127) < 1) {
                        continue;
                    }
                    double h = 1e-3;
                    double num = gY[i] * (clamp(f.applyAsDouble(q[i] + h)) - clamp(f.applyAsDouble(q[i] - h))) / (2 * h);
                    assertEquals(num, gX[i], 1e-5 + 1e-5 * Math.abs(num), "element " + i + " alpha " + a);
                    checked++;
                }
            }
        }
        assertTrue(checked > 300, "checked " + checked);
    }

    static double clamp(double v) {
        return Math.max(-128, Math.min(127, v));
    }
}
