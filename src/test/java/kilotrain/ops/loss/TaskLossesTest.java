package kilotrain.ops.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import kilotrain.KtException;
import kilotrain.data.RocAuc;
import org.junit.jupiter.api.Test;

/** The new tasks' losses against their definitions in double, their gradients by finite differences, and ROC AUC. */
class TaskLossesTest {
    @Test
    void binaryCrossEntropyMatchesItsDefinitionAndGradient() {
        Random r = new Random(0);
        float[] g = new float[1];
        for (int i = 0; i < 20000; i++) {
            float z = (float) (r.nextGaussian() * (i % 3 == 0 ? 40 : 4));
            int y = r.nextInt(2);
            float loss = BinaryCrossEntropy.lossAndGrad(z, y, g, 0);
            double p = 1 / (1 + Math.exp(-(double) z));
            // log(1 + e^-|z|) + max(z, 0) - z y, in double
            double ref = Math.log1p(Math.exp(-Math.abs((double) z))) + Math.max(z, 0) - (double) z * y;
            assertEquals(ref, loss, 2e-6 * Math.max(1, Math.abs(ref)), "z " + z + " y " + y);
            assertEquals(p - y, g[0], 2e-6, "gradient at z " + z);
            assertTrue(loss >= 0 && Float.isFinite(loss));
        }
        assertThrows(KtException.class, () -> BinaryCrossEntropy.lossAndGrad(1f, 2, g, 0));
    }

    @Test
    void meanSquaredErrorOnInt8TargetsIsTheFloatOneOfTheirValues() {
        Random r = new Random(1);
        int n = 37;
        float scale = 0.0371f;
        int zero = -9;
        float[] pred = new float[n], tf = new float[n], g1 = new float[n], g2 = new float[n];
        byte[] q = new byte[n];
        for (int i = 0; i < n; i++) {
            pred[i] = (float) r.nextGaussian() * 3;
            q[i] = (byte) r.nextInt(256);
            tf[i] = (float) (q[i] - zero) * scale;
        }
        float a = MeanSquaredError.lossAndGrad(pred, 0, tf, n, g1, 0);
        float b = MeanSquaredError.lossAndGrad(pred, 0, q, 0, scale, zero, n, g2, 0);
        assertEquals(Float.floatToRawIntBits(a), Float.floatToRawIntBits(b));
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToRawIntBits(g1[i]), Float.floatToRawIntBits(g2[i]));
            double h = 1e-3;
            float[] pp = pred.clone();
            pp[i] += (float) h;
            float[] pm = pred.clone();
            pm[i] -= (float) h;
            double fd = (MeanSquaredError.lossAndGrad(pp, 0, q, 0, scale, zero, n, new float[n], 0)
                    - MeanSquaredError.lossAndGrad(pm, 0, q, 0, scale, zero, n, new float[n], 0)) / (pp[i] - pm[i]);
            assertEquals(fd, g2[i], 2e-3 * Math.max(1, Math.abs(fd)));
        }
    }

    @Test
    void rocAucCountsPairsWithTiesAsHalf() {
        // every anomaly above every normal sample: 1; below: 0; all tied: 0.5
        assertEquals(1.0, RocAuc.of(new double[] {1, 2, 3, 4}, new boolean[] {false, false, true, true}));
        assertEquals(0.0, RocAuc.of(new double[] {3, 4, 1, 2}, new boolean[] {false, false, true, true}));
        assertEquals(0.5, RocAuc.of(new double[] {7, 7, 7}, new boolean[] {true, false, true}));
        // 2 anomalies, 3 normals: 0.35 beats 0.1, 0.8 beats 0.1 and 0.4: 3 of 6 pairs
        assertEquals(0.5, RocAuc.of(new double[] {0.1, 0.4, 0.35, 0.8, 0.9}, new boolean[] {false, false, true, true,
            false}));
        // scikit-learn's documented example: roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75
        assertEquals(0.75, RocAuc.of(new double[] {0.1, 0.4, 0.35, 0.8}, new boolean[] {false, false, true, true}));
        assertTrue(Double.isNaN(RocAuc.of(new double[] {1, 2}, new boolean[] {false, false})));
        assertEquals(0, RocAuc.normalClass(java.util.List.of("anomalous", "normal")) - 1);
        assertEquals(0, RocAuc.normalClass(java.util.List.of("0", "1")));
        assertThrows(KtException.class, () -> RocAuc.normalClass(java.util.List.of("a", "b")));
    }
}
