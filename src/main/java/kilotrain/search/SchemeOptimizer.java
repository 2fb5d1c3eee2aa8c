package kilotrain.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Exact maximisation of the summed gain under the true planned SRAM peak, by branch and bound.
 *
 * <p>Why not dynamic programming over a cost model: the planned peak is a maximum over the training step, not a
 * sum, so a knapsack over per-layer costs can both accept schemes the device cannot run and miss ones it can. Here
 * every returned scheme is checked by the real oracle (the memory planner), and the search is exact relative to
 * that oracle provided the lower bound {@link SchemeSpace#lowerBound} is admissible (the bytes outside the arena
 * are exactly additive; the arena of a scheme is assumed to be at least the arena of each of its parts alone).
 *
 * <p>Bounds: a node is cut when its memory lower bound exceeds the budget, or when its gain plus the LP relaxation
 * of the remaining multiple-choice knapsack (greedy over the convex hull of each layer's (bytes, gain) options,
 * capacity = budget minus the node's lower bound) cannot beat the incumbent. Leaves that survive are evaluated by
 * the oracle, best gains first along the depth-first order; the search stops early only when
 * {@code maxEvaluations} oracle calls are spent, and then says so ({@link Result#proven}).
 */
public final class SchemeOptimizer {
    /** The true planned SRAM (and flash) check of one complete choice. */
    public interface Oracle {
        /**
         * Planned SRAM bytes of the scheme, or {@code Long.MAX_VALUE} when it violates another budget (flash). The
         * budget lets an oracle screen cheaply: an answer above it only rejects, one within it must be exact.
         */
        long sram(int bias, int[] choice, long budget);
    }

    public record Result(int bias, int[] choice, double gain, long sram, int evaluations, long nodes,
            boolean proven) {
        public boolean found() {
            return bias >= 0;
        }
    }

    private static final double EPS = 1e-12;

    private final SchemeSpace space;
    private final Oracle oracle;
    private final int maxEvaluations;
    private final int[] order;
    /** Hull increments of every item, sorted by efficiency (gain per byte), best first. */
    private final int[] incItem;
    private final long[] incBytes;
    private final double[] incGain;

    private long budget;
    private int bestBias = -1;
    private int[] bestChoice;
    private double bestGain;
    private long bestSram;
    private int evaluations;
    private long nodes;
    private boolean exhausted;

    public SchemeOptimizer(SchemeSpace space, Oracle oracle, int maxEvaluations) {
        this.space = space;
        this.oracle = oracle;
        this.maxEvaluations = maxEvaluations;
        int n = space.items();
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        // Items with the largest possible gain first: good incumbents early, tight bounds after.
        Arrays.sort(idx, Comparator.comparingDouble(i -> -maxGain(i)));
        order = new int[n];
        int[] position = new int[n];
        for (int d = 0; d < n; d++) {
            order[d] = idx[d];
            position[idx[d]] = d;
        }
        List<long[]> incs = new ArrayList<>();
        List<Double> gains = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long w0 = 0;
            double g0 = 0;
            // Upper convex hull of (0,0) and the options, walked left to right.
            while (true) {
                int next = -1;
                double bestSlope = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < space.ratio()[i].length; j++) {
                    long w = space.fixed()[i][j];
                    double g = space.gain()[i][j];
                    if (g <= g0 + EPS || w < w0) {
                        continue;
                    }
                    double slope = w == w0 ? Double.POSITIVE_INFINITY : (g - g0) / (w - w0);
                    if (slope > bestSlope || slope == bestSlope && next >= 0 && w > space.fixed()[i][next]) {
                        bestSlope = slope;
                        next = j;
                    }
                }
                if (next < 0) {
                    break;
                }
                long w = space.fixed()[i][next];
                double g = space.gain()[i][next];
                incs.add(new long[] {position[i], w - w0});
                gains.add(g - g0);
                w0 = w;
                g0 = g;
            }
        }
        Integer[] incOrder = new Integer[incs.size()];
        for (int k = 0; k < incOrder.length; k++) {
            incOrder[k] = k;
        }
        Arrays.sort(incOrder, Comparator.comparingDouble(k -> -efficiency(gains.get(k), incs.get(k)[1])));
        incItem = new int[incOrder.length];
        incBytes = new long[incOrder.length];
        incGain = new double[incOrder.length];
        for (int k = 0; k < incOrder.length; k++) {
            incItem[k] = (int) incs.get(incOrder[k])[0];
            incBytes[k] = incs.get(incOrder[k])[1];
            incGain[k] = gains.get(incOrder[k]);
        }
    }

    private static double efficiency(double gain, long bytes) {
        return bytes == 0 ? Double.POSITIVE_INFINITY : gain / bytes;
    }

    private double maxGain(int i) {
        double m = 0;
        for (double g : space.gain()[i]) {
            m = Math.max(m, g);
        }
        return m;
    }

    /** The best choice whose planned SRAM is at most {@code budget}; {@code bias = -1} when none is. */
    public Result optimize(long budget) {
        this.budget = budget;
        bestBias = -1;
        bestChoice = null;
        bestGain = Double.NEGATIVE_INFINITY;
        bestSram = -1;
        evaluations = 0;
        nodes = 0;
        exhausted = false;
        Integer[] biases = new Integer[space.biasK().length];
        for (int b = 0; b < biases.length; b++) {
            biases[b] = b;
        }
        Arrays.sort(biases, Comparator.<Integer>comparingDouble(b -> -space.biasGain()[b])
                .thenComparingLong(b -> space.biasFixed()[b] + space.biasArena()[b]));
        int n = space.items();
        warmStart(biases);
        for (int b : biases) {
            int[] choice = new int[n];
            Arrays.fill(choice, -1);
            search(b, 0, choice, space.biasGain()[b], space.biasFixed()[b], space.biasArena()[b]);
        }
        return new Result(bestBias, bestChoice, bestBias >= 0 ? bestGain : Double.NaN, bestSram, evaluations, nodes,
                !exhausted);
    }

    /**
     * A first incumbent by a greedy pass per bias depth: options in order of gain, each kept when the oracle says the
     * scheme still fits. The lower bound is loose for large schemes (saved activations of several trained layers are
     * live together), so without a good incumbent the search would spend its evaluations on leaves over budget.
     * Uses at most a third of the evaluation cap; the search that follows is unchanged (and still exact).
     */
    private void warmStart(Integer[] biases) {
        int n = space.items();
        List<int[]> options = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < space.gain()[i].length; j++) {
                if (space.gain()[i][j] > EPS) {
                    options.add(new int[] {i, j});
                }
            }
        }
        options.sort(Comparator.comparingDouble((int[] o) -> -space.gain()[o[0]][o[1]]));
        int cap = maxEvaluations / 3;
        for (int b : biases) {
            int[] choice = new int[n];
            Arrays.fill(choice, -1);
            if (space.lowerBound(b, choice) > budget || evaluations >= cap) {
                continue;
            }
            evaluations++;
            long sram = oracle.sram(b, choice.clone(), budget);
            if (sram > budget) {
                continue;
            }
            double gain = space.biasGain()[b];
            for (int[] o : options) {
                if (evaluations >= cap) {
                    break;
                }
                int i = o[0], j = o[1];
                if (choice[i] >= 0 && space.gain()[i][choice[i]] >= space.gain()[i][j]) {
                    continue;
                }
                int[] trial = choice.clone();
                trial[i] = j;
                if (space.lowerBound(b, trial) > budget) {
                    continue;
                }
                evaluations++;
                long s = oracle.sram(b, trial.clone(), budget);
                if (s <= budget) {
                    gain += space.gain()[i][j] - (choice[i] >= 0 ? space.gain()[i][choice[i]] : 0);
                    choice = trial;
                    sram = s;
                }
            }
            if (gain > bestGain + EPS) {
                bestBias = b;
                bestChoice = choice.clone();
                bestGain = gain;
                bestSram = sram;
            }
        }
    }

    private void search(int b, int depth, int[] choice, double gain, long fixedSum, long arenaMax) {
        nodes++;
        long lb = fixedSum + arenaMax;
        if (lb > budget || exhausted) {
            return;
        }
        if (gain + relaxation(depth, budget - lb) <= bestGain + EPS) {
            return;
        }
        if (depth == order.length) {
            if (evaluations >= maxEvaluations) {
                exhausted = true;
                return;
            }
            evaluations++;
            long sram = oracle.sram(b, choice.clone(), budget);
            if (sram <= budget) {
                bestBias = b;
                bestChoice = choice.clone();
                bestGain = gain;
                bestSram = sram;
            }
            return;
        }
        int item = order[depth];
        double[] g = space.gain()[item];
        Integer[] opts = new Integer[g.length];
        for (int j = 0; j < g.length; j++) {
            opts[j] = j;
        }
        long[] w = space.fixed()[item];
        Arrays.sort(opts, Comparator.<Integer>comparingDouble(j -> -g[j]).thenComparingLong(j -> w[j]));
        // Positive gains first, then "not trained", then options that add nothing or lose accuracy: those stay in
        // the search (the planned peak is not monotone, so one may unlock a budget) but, tried last, they never
        // displace an equally good scheme that uses less memory.
        for (int j : opts) {
            if (g[j] > EPS) {
                choice[item] = j;
                search(b, depth + 1, choice, gain + g[j], fixedSum + space.fixed()[item][j],
                        Math.max(arenaMax, space.arena()[item][j]));
            }
        }
        choice[item] = -1;
        search(b, depth + 1, choice, gain, fixedSum, arenaMax);
        for (int j : opts) {
            if (g[j] <= EPS) {
                choice[item] = j;
                search(b, depth + 1, choice, gain + g[j], fixedSum + space.fixed()[item][j],
                        Math.max(arenaMax, space.arena()[item][j]));
            }
        }
        choice[item] = -1;
    }

    /** LP bound of the gain the items at positions {@code >= depth} can still add within {@code capacity} bytes. */
    private double relaxation(int depth, long capacity) {
        double total = 0;
        long cap = capacity;
        for (int k = 0; k < incItem.length; k++) {
            if (incItem[k] < depth) {
                continue;
            }
            if (incBytes[k] <= cap) {
                cap -= incBytes[k];
                total += incGain[k];
            } else {
                total += incGain[k] * cap / incBytes[k];
                break;
            }
        }
        return total;
    }
}
