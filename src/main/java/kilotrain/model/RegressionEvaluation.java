package kilotrain.model;

import java.util.List;
import kilotrain.KtException;
import kilotrain.data.Dataset;
import kilotrain.data.SampleSource;

/**
 * Mean squared and mean absolute error of a predictor's outputs (dequantized with the output tensor's scale and zero
 * point) against a dataset's regression targets, per target and over all of them. Summed in sample order, in double.
 */
public record RegressionEvaluation(List<String> targets, double[] mse, double[] mae, int count, double seconds) {

    /** Over all targets: the mean of the per-target errors. */
    public double meanMse() {
        return mean(mse);
    }

    public double meanMae() {
        return mean(mae);
    }

    public double samplesPerSecond() {
        return count / Math.max(1e-9, seconds);
    }

    private static double mean(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v;
        }
        return a.length == 0 ? 0 : s / a.length;
    }

    /** Evaluates {@code p} on the test part of {@code src}, whose dataset is {@code test}. */
    public static RegressionEvaluation run(Predictor p, SampleSource src, Dataset test, Runnable onSample) {
        if (!test.hasTargets()) {
            throw new KtException(test.source() + " has class labels, not regression targets");
        }
        int k = test.targetNames().size();
        int n = src.testSize();
        double[] se = new double[k];
        double[] ae = new double[k];
        long t0 = System.nanoTime();
        Predictor.Scorer s = p.scorer();
        kilotrain.ir.Quant oq = test.targetsInt8() ? p.outputQuant() : null;
        if (test.targetsInt8() && oq == null) {
            throw new KtException(test.source() + " holds int8 targets, and the model's output has no quantization to "
                    + "read them with");
        }
        byte[] in = new byte[p.inputSpec().bytes()];
        for (int i = 0; i < n; i++) {
            src.fillTest(i, in);
            float[] out = s.scores(in);
            if (out.length != k) {
                throw new KtException("the model has " + out.length + " output values, " + test.source() + " has "
                        + k + " regression targets " + test.targetNames() + " per sample");
            }
            float[] t = test.targets(i);
            for (int j = 0; j < k; j++) {
                // int8 targets are values in the output's quantization, read as the loss reads them
                float tj = oq == null ? t[j]
                        : kilotrain.ops.dequantize.Dequantize.value((int) t[j], oq.scale(), oq.zeroPoint());
                double d = (double) out[j] - tj;
                se[j] += d * d;
                ae[j] += Math.abs(d);
            }
            onSample.run();
        }
        for (int j = 0; j < k; j++) {
            se[j] /= Math.max(1, n);
            ae[j] /= Math.max(1, n);
        }
        return new RegressionEvaluation(test.targetNames(), se, ae, n, (System.nanoTime() - t0) / 1e9);
    }
}
