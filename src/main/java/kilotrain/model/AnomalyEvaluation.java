package kilotrain.model;

import kilotrain.KtException;
import kilotrain.data.Dataset;
import kilotrain.data.RocAuc;
import kilotrain.data.SampleSource;
import kilotrain.ir.Quant;

/**
 * An autoencoder as an anomaly detector: each test sample's score is its reconstruction error, the mean over the
 * values of {@code (out_i - x_i)^2} with the output dequantized as the model's output and the input dequantized with
 * its own scale and zero point ({@code x_i = (float) (q_i - z) * s}, as the training loss reads it), in double. The
 * test labels say which samples are normal (label 0 or the class 'normal', {@link RocAuc#normalClass}); the ROC AUC
 * says how well the score separates the anomalous ones.
 */
public record AnomalyEvaluation(double auc, double normalMse, double anomalousMse, int normals, int anomalies,
        double seconds) {

    public int count() {
        return normals + anomalies;
    }

    public double samplesPerSecond() {
        return count() / Math.max(1e-9, seconds);
    }

    /** Whether {@code p} reconstructs its input: as many output values as input bytes. */
    public static boolean reconstructs(Predictor p, byte[] sample) {
        return p.scorer().scores(sample).length == p.inputSpec().bytes();
    }

    public static AnomalyEvaluation run(Predictor p, SampleSource src, Dataset test, Runnable onSample) {
        if (test.hasTargets()) {
            throw new KtException(test.source() + " has regression targets; an anomaly test set has labels (0 or "
                    + "'normal' for normal samples, anything else anomalous)");
        }
        Quant q = p.inputSpec().quant;
        if (q == null) {
            throw new KtException("the model's input has no quantization to compare its reconstruction with");
        }
        int normal = RocAuc.normalClass(test.classes());
        int n = src.testSize();
        double[] score = new double[n];
        boolean[] anomalous = new boolean[n];
        long t0 = System.nanoTime();
        Predictor.Scorer s = p.scorer();
        byte[] in = new byte[p.inputSpec().bytes()];
        float scale = q.scale();
        int zero = q.zeroPoint();
        double sn = 0, sa = 0;
        int nn = 0, na = 0;
        for (int i = 0; i < n; i++) {
            src.fillTest(i, in);
            float[] out = s.scores(in);
            if (out.length != in.length) {
                throw new KtException("the model has " + out.length + " output values for " + in.length + " input "
                        + "values: an autoencoder reconstructs its input");
            }
            double e = 0;
            for (int j = 0; j < in.length; j++) {
                double d = (double) out[j] - kilotrain.ops.dequantize.Dequantize.value(in[j], scale, zero);
                e += d * d;
            }
            score[i] = e / in.length;
            anomalous[i] = src.testLabel(i) != normal;
            if (anomalous[i]) {
                sa += score[i];
                na++;
            } else {
                sn += score[i];
                nn++;
            }
            onSample.run();
        }
        return new AnomalyEvaluation(RocAuc.of(score, anomalous), nn > 0 ? sn / nn : Double.NaN,
                na > 0 ? sa / na : Double.NaN, nn, na, (System.nanoTime() - t0) / 1e9);
    }
}
