package kilotrain.search;

/**
 * The search space of the planner, in numbers: a choice of bias depth (index into {@link #biasK}) and, for every
 * analysed conv, one of its channel ratios or none. Gains are additive (the contribution analysis' assumption).
 * Memory is split the way the device's planned SRAM splits: the bytes outside the arena (trained parameters, float
 * master copies, optimizer state) are exactly additive per trained parameter, while the arena is a peak, so only
 * bounded below by the largest arena of the parts on their own.
 *
 * <p>Arrays: {@code biasGain[b]}, {@code biasFixed[b]} (SRAM outside the arena of the bias-only scheme, the head
 * included), {@code biasArena[b]}; for item i and option j (0 .. ratio[i].length-1): {@code gain[i][j]},
 * {@code fixed[i][j]} (extra SRAM outside the arena when the conv's weights train at that ratio) and
 * {@code arena[i][j]} (the arena of the smallest bias scheme plus that one weight layer).
 */
public record SchemeSpace(int[] biasK, double[] biasGain, long[] biasFixed, long[] biasArena, int[] conv,
        double[][] ratio, double[][] gain, long[][] fixed, long[][] arena) {

    public int items() {
        return conv.length;
    }

    /** An admissible lower bound of the planned SRAM of a full or partial choice ({@code -1} = not trained). */
    public long lowerBound(int b, int[] choice) {
        long fixedSum = biasFixed[b];
        long arenaMax = biasArena[b];
        for (int i = 0; i < choice.length; i++) {
            if (choice[i] >= 0) {
                fixedSum += fixed[i][choice[i]];
                arenaMax = Math.max(arenaMax, arena[i][choice[i]]);
            }
        }
        return fixedSum + arenaMax;
    }

    public double gainOf(int b, int[] choice) {
        double g = biasGain[b];
        for (int i = 0; i < choice.length; i++) {
            if (choice[i] >= 0) {
                g += gain[i][choice[i]];
            }
        }
        return g;
    }
}
