package kilotrain.ops.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import kilotrain.KtException;
import kilotrain.ops.GradCheck;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SoftmaxCrossEntropyTest {

    @Property(tries = 500, seed = "20261123")
    void gradientAndLossMatchDoublePrecision(@ForAll @IntRange(min = 1, max = 30) int n, @ForAll boolean integers,
            @ForAll long seed) {
        Random r = new Random(seed);
        float[] logits = new float[n];
        double spread = r.nextBoolean() ? 5 : 60;
        for (int i = 0; i < n; i++) {
            float v = (float) ((r.nextDouble() * 2 - 1) * spread);
            logits[i] = integers ? Math.round(v) : v;
        }
        int label = r.nextInt(n);
        float[] g = new float[n + 1];
        float loss = SoftmaxCrossEntropy.lossAndGrad(logits, 0, n, label, g, 1);
        double[] lv = new double[n];
        for (int i = 0; i < n; i++) {
            lv[i] = logits[i];
        }
        double exact = lossDouble(lv, label);
        assertEquals(exact, loss, 2e-6 * Math.max(1, Math.abs(exact)));
        GradCheck.assertClose("dL/dlogit", g, 1, GradCheck.centralDiff(lv, 1e-4, p -> lossDouble(p, label)), 0, 2e-6);
    }

    @Test
    void int8LogitsAreTakenAsFloats() {
        byte[] q = {10, -3, 7, 10};
        float[] g = new float[4];
        float loss = SoftmaxCrossEntropy.lossAndGrad(q, 0, 4, 2, g, 0);
        assertEquals(lossDouble(new double[] {10, -3, 7, 10}, 2), loss, 1e-5);
        float sum = 0;
        for (float v : g) {
            sum += v;
        }
        assertEquals(0, sum, 1e-6);
    }

    @Test
    void badLabelsAndLogitsAreUserErrors() {
        float[] g = new float[3];
        assertThrows(KtException.class, () -> SoftmaxCrossEntropy.lossAndGrad(new float[3], 0, 3, 3, g, 0));
        assertThrows(KtException.class,
                () -> SoftmaxCrossEntropy.lossAndGrad(new float[] {0, Float.NaN, 1}, 0, 3, 0, g, 0));
    }

    static double lossDouble(double[] l, int label) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : l) {
            m = Math.max(m, v);
        }
        double s = 0;
        for (double v : l) {
            s += Math.exp(v - m);
        }
        return Math.log(s) - (l[label] - m);
    }
}
