package kilotrain.ops;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import java.util.function.ToDoubleFunction;

/** Shared pieces of the finite-difference checks of the backward rules. */
public final class GradCheck {
    private GradCheck() {
    }

    /**
     * Picks integer clamp edges [lo, hi] in [-128, 127] that are at least 1 away from every unclamped relaxed output
     * y, so that the int8 forward's mask equals the relaxation's and a small perturbation crosses no kink. Tries to
     * cut about the lower and upper fifth. Returns null if no such edges exist.
     */
    public static int[] clampEdges(double[] y) {
        double[] s = y.clone();
        Arrays.sort(s);
        int lo = Integer.MIN_VALUE, hi = Integer.MIN_VALUE;
        for (int t = (int) Math.floor(Math.max(-128, Math.min(127, s[s.length / 5]))); t >= -128; t--) {
            if (far(y, t)) {
                lo = t;
                break;
            }
        }
        for (int t = (int) Math.ceil(Math.min(127, Math.max(-128, s[s.length * 4 / 5]))); t <= 127; t++) {
            if (far(y, t)) {
                hi = t;
                break;
            }
        }
        if (lo == Integer.MIN_VALUE || hi == Integer.MIN_VALUE || lo >= hi) {
            return null;
        }
        return new int[] {lo, hi};
    }

    private static boolean far(double[] y, int t) {
        for (double v : y) {
            if (Math.abs(v - t) < 1.0) {
                return false;
            }
        }
        return true;
    }

    /** L = sum gY_i * clamp(y_i, lo, hi), the linear functional whose gradient the backward pass computes. */
    public static double loss(double[] y, float[] gY, int lo, int hi) {
        double l = 0;
        for (int i = 0; i < y.length; i++) {
            l += gY[i] * Math.min(hi, Math.max(lo, y[i]));
        }
        return l;
    }

    /** Central differences of f with respect to every element of p (restored afterwards). */
    public static double[] centralDiff(double[] p, double h, ToDoubleFunction<double[]> f) {
        double[] g = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            double keep = p[i];
            p[i] = keep + h;
            double up = f.applyAsDouble(p);
            p[i] = keep - h;
            double down = f.applyAsDouble(p);
            p[i] = keep;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    /** |analytic - numeric| <= rel * max|numeric| + abs for every element. */
    public static void assertClose(String what, float[] analytic, int off, double[] numeric, double rel, double abs) {
        double max = 0;
        for (double v : numeric) {
            max = Math.max(max, Math.abs(v));
        }
        double tol = rel * max + abs;
        for (int i = 0; i < numeric.length; i++) {
            double d = Math.abs(analytic[off + i] - numeric[i]);
            if (!(d <= tol)) {
                fail(what + "[" + i + "]: backward " + analytic[off + i] + " vs finite difference " + numeric[i]
                        + " (tolerance " + tol + ", max " + max + ")");
            }
        }
    }

    public static float[] randomGrad(Random r, int n) {
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = r.nextFloat() * 2 - 1;
        }
        return g;
    }

    public static byte[] randomInt8(Random r, int n, int lo, int hi) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (lo + r.nextInt(hi - lo + 1));
        }
        return b;
    }

    public static double[] toDouble(byte[] b) {
        double[] d = new double[b.length];
        for (int i = 0; i < b.length; i++) {
            d[i] = b[i];
        }
        return d;
    }

    public static double[] toDouble(int[] b) {
        double[] d = new double[b.length];
        for (int i = 0; i < b.length; i++) {
            d[i] = b[i];
        }
        return d;
    }
}
