package kilotrain.search;

/**
 * Denoises one conv's measured gains across its channel ratios. Training more channels of the same layer scales the
 * same kind of change, so its effect grows (or, for a layer that hurts when trained, worsens) with the ratio: the
 * gain is monotone in the ratio, in a direction of its own per layer. The analysis measures each ratio in a separate
 * short fine-tune whose noise (about a point on 2,000 test images) is as large as most gains, and an optimiser that
 * maximises summed gains picks exactly the slices whose noise happened to be positive. Fitting the monotone curve
 * (isotonic regression, pool-adjacent-violators, in whichever direction fits the four points better) pools the
 * measurements of a layer instead: a lone lucky ratio between worse neighbours is averaged with them.
 */
final class RatioTrend {
    private RatioTrend() {
    }

    /** Gains in ascending ratio order, fitted by the better of a non-decreasing and a non-increasing curve. */
    static double[] fit(double[] gains) {
        double[] up = nonDecreasing(gains);
        double[] neg = new double[gains.length];
        for (int i = 0; i < gains.length; i++) {
            neg[i] = -gains[i];
        }
        double[] down = nonDecreasing(neg);
        for (int i = 0; i < down.length; i++) {
            down[i] = -down[i];
        }
        return sse(gains, down) < sse(gains, up) ? down : up;
    }

    /** Least-squares non-decreasing fit with equal weights (pool adjacent violators). */
    static double[] nonDecreasing(double[] y) {
        int n = y.length;
        double[] mean = new double[n];
        int[] size = new int[n];
        int blocks = 0;
        for (double v : y) {
            mean[blocks] = v;
            size[blocks] = 1;
            blocks++;
            while (blocks > 1 && mean[blocks - 2] > mean[blocks - 1]) {
                int s = size[blocks - 2] + size[blocks - 1];
                mean[blocks - 2] = (mean[blocks - 2] * size[blocks - 2] + mean[blocks - 1] * size[blocks - 1]) / s;
                size[blocks - 2] = s;
                blocks--;
            }
        }
        double[] out = new double[n];
        int i = 0;
        for (int b = 0; b < blocks; b++) {
            for (int k = 0; k < size[b]; k++) {
                out[i++] = mean[b];
            }
        }
        return out;
    }

    private static double sse(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return s;
    }
}
