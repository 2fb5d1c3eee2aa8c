package kilotrain.data;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import kilotrain.KtException;

/**
 * Area under the ROC curve of anomaly scores: the probability that an anomalous sample scores higher than a normal
 * one, ties counting one half (the Mann-Whitney U statistic over P x N pairs, from average ranks; what scikit-learn's
 * {@code roc_auc_score} gives). An autoencoder's score is its reconstruction error.
 */
public final class RocAuc {
    private RocAuc() {
    }

    /** AUC of {@code scores} where {@code anomalous[i]} marks the positive samples; NaN when one kind is missing. */
    public static double of(double[] scores, boolean[] anomalous) {
        int n = scores.length;
        if (anomalous.length != n) {
            throw new IllegalArgumentException(n + " scores for " + anomalous.length + " labels");
        }
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            if (Double.isNaN(scores[i])) {
                throw new KtException("anomaly score " + i + " is NaN");
            }
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Double.compare(scores[a], scores[b]));
        double rankSumPos = 0;
        long pos = 0;
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && scores[idx[j + 1]] == scores[idx[i]]) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1; // average 1-based rank of the tie group
            for (int k = i; k <= j; k++) {
                if (anomalous[idx[k]]) {
                    rankSumPos += rank;
                    pos++;
                }
            }
            i = j + 1;
        }
        long neg = n - pos;
        if (pos == 0 || neg == 0) {
            return Double.NaN;
        }
        return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }

    /**
     * Which class of a test set is the normal one: a class named {@code normal} (any case), else {@code 0}; every
     * other class is anomalous.
     */
    public static int normalClass(List<String> classes) {
        for (int i = 0; i < classes.size(); i++) {
            if (classes.get(i).toLowerCase(Locale.ROOT).equals("normal")) {
                return i;
            }
        }
        int zero = classes.indexOf("0");
        if (zero >= 0) {
            return zero;
        }
        throw new KtException("an anomaly test set marks its normal samples with label 0 or the class 'normal' "
                + "(every other class is anomalous); its classes are " + classes);
    }
}
