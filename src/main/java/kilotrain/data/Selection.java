package kilotrain.data;

import java.util.Arrays;

/** Applies {@link LoadOptions#limitPerClass()} and {@link LoadOptions#limit()} to samples given in their native order. */
final class Selection {
    private Selection() {
    }

    /**
     * @param labels class of every sample in native order
     * @return the kept native indices, ascending
     */
    static int[] select(int[] labels, int numClasses, int limitPerClass, int limit) {
        int n = labels.length;
        int[] count = new int[numClasses];
        for (int label : labels) {
            count[label]++;
        }
        int[][] perClass = new int[numClasses][];
        int total = 0;
        for (int c = 0; c < numClasses; c++) {
            perClass[c] = new int[limitPerClass == 0 ? count[c] : Math.min(count[c], limitPerClass)];
            total += perClass[c].length;
        }
        int[] fill = new int[numClasses];
        for (int i = 0; i < n; i++) {
            int c = labels[i];
            if (fill[c] < perClass[c].length) {
                perClass[c][fill[c]++] = i;
            }
        }
        int keep = limit == 0 ? total : Math.min(total, limit);
        int[] out = new int[keep];
        int k = 0;
        // round-robin over the classes so that a total limit stays class-balanced
        for (int r = 0; k < keep; r++) {
            for (int c = 0; c < numClasses && k < keep; c++) {
                if (r < perClass[c].length) {
                    out[k++] = perClass[c][r];
                }
            }
        }
        Arrays.sort(out);
        return out;
    }
}
