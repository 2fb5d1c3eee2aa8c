package kilotrain.compiler.memory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Packs arena blocks into one byte range so that blocks live at the same time never overlap. Several orders of
 * placement are tried, each block going to the lowest (first fit) or tightest (best fit) aligned gap left by the
 * already placed blocks whose lifetimes overlap it; a seeded random search over orders follows; the lowest peak wins.
 */
public final class ArenaPlanner {
    /** Random orders tried after the fixed strategies. */
    private final int searchOrders;
    private final long seed;

    public ArenaPlanner(int searchOrders, long seed) {
        this.searchOrders = searchOrders;
        this.seed = seed;
    }

    public ArenaPlanner() {
        this(5000, 1);
    }

    public ArenaPlan plan(List<Block> blocks, int steps) {
        long[] lb = lowerBound(blocks, steps);
        Block[] arr = blocks.toArray(new Block[0]);
        int[][] need = need(arr);
        List<Candidate> tried = new ArrayList<>();
        tried.add(run("greedy-by-size", sorted(arr, Comparator.comparingInt(Block::bytes).reversed()
                .thenComparingInt(Block::start)), false, need));
        tried.add(run("best-fit-by-size", sorted(arr, Comparator.comparingInt(Block::bytes).reversed()
                .thenComparingInt(Block::start)), true, need));
        tried.add(run("greedy-by-lifetime-start", sorted(arr, Comparator.comparingInt(Block::start)
                .thenComparing(Comparator.comparingInt(Block::bytes).reversed())), false, need));
        tried.add(run("greedy-by-duration", sorted(arr, Comparator.comparingInt((Block b) -> b.end() - b.start())
                .reversed().thenComparing(Comparator.comparingInt(Block::bytes).reversed())), false, need));
        tried.add(run("greedy-by-area", sorted(arr, Comparator.comparingLong((Block b) -> (long) b.bytes()
                * (b.end() - b.start() + 1)).reversed()), false, need));
        tried.add(run("best-fit-by-lifetime-start", sorted(arr, Comparator.comparingInt(Block::start)), true, need));
        // blocks live at the fullest instruction first: stacked, they reach exactly the bound there
        int peakAt = (int) lb[1];
        Comparator<Block> livesAtPeak = Comparator.comparingInt(b -> b.start() <= peakAt && peakAt <= b.end() ? 0 : 1);
        tried.add(run("peak-first-by-size", sorted(arr, livesAtPeak.thenComparing(
                Comparator.comparingInt(Block::bytes).reversed())), false, need));
        tried.add(run("peak-first-by-start", sorted(arr, livesAtPeak.thenComparingInt(Block::start)
                .thenComparing(Comparator.comparingInt(Block::bytes).reversed())), false, need));
        Candidate best = tried.get(0);
        for (Candidate c : tried) {
            if (c.peak < best.peak) {
                best = c;
            }
        }
        // random search: perturb the best order by swaps, keep improvements
        SplittableRandom rnd = new SplittableRandom(seed);
        Block[] order = best.order.clone();
        for (int it = 0; it < searchOrders && best.peak > lb[0] && arr.length > 1; it++) {
            Block[] o = order.clone();
            int swaps = 1 + rnd.nextInt(3);
            for (int s = 0; s < swaps; s++) {
                int i = rnd.nextInt(o.length), j = rnd.nextInt(o.length);
                Block t = o[i];
                o[i] = o[j];
                o[j] = t;
            }
            Candidate c = run("search-over-orders", o, rnd.nextBoolean(), need);
            if (c.peak <= best.peak) {
                order = o;
                if (c.peak < best.peak) {
                    best = c;
                }
            }
        }
        return new ArenaPlan(best.name, List.copyOf(blocks), best.offset, best.peak, lb[0], (int) lb[1]);
    }

    /** [largest sum of live block sizes, the first instruction where it occurs]. */
    public static long[] lowerBound(List<Block> blocks, int steps) {
        long[] live = new long[Math.max(1, steps) + 1];
        for (Block b : blocks) {
            if (b.sizes() == null) {
                live[b.start()] += b.bytes();
                live[b.end() + 1] -= b.bytes();
                continue;
            }
            for (int i = b.start(); i <= b.end(); i++) {
                live[i] += b.bytesAt(i);
                live[i + 1] -= b.bytesAt(i);
            }
        }
        long cur = 0, best = 0;
        int at = 0;
        for (int i = 0; i < live.length - 1; i++) {
            cur += live[i];
            if (cur > best) {
                best = cur;
                at = i;
            }
        }
        return new long[] {best, at};
    }

    private record Candidate(String name, Block[] order, int[] offset, long peak) {
    }

    private static Block[] sorted(Block[] arr, Comparator<Block> cmp) {
        Block[] o = arr.clone();
        Arrays.sort(o, cmp);
        return o;
    }

    /**
     * need[a][b]: the largest size block a holds at an instruction where block b is live too (0: never live together),
     * by block index. Blocks a and b at offsets oa, ob then never overlap exactly when ob &lt;= oa - need[b][a] or
     * ob &gt;= oa + need[a][b] (each instruction's pair of ranges contains both offsets' common point otherwise).
     */
    static int[][] need(Block[] arr) {
        int maxIndex = 0;
        for (Block b : arr) {
            maxIndex = Math.max(maxIndex, b.index());
        }
        int[][] need = new int[maxIndex + 1][maxIndex + 1];
        for (Block a : arr) {
            for (Block b : arr) {
                if (a != b && a.overlaps(b)) {
                    need[a.index()][b.index()] = a.maxBytes(Math.max(a.start(), b.start()), Math.min(a.end(), b.end()));
                }
            }
        }
        return need;
    }

    private static Candidate run(String name, Block[] order, boolean bestFit, int[][] need) {
        int n = order.length;
        int maxIndex = 0;
        for (Block b : order) {
            maxIndex = Math.max(maxIndex, b.index());
        }
        int[] offset = new int[maxIndex + 1];
        Block[] placed = new Block[n];
        int placedCount = 0;
        long peak = 0;
        long[] lo = new long[n], hi = new long[n];
        for (Block b : order) {
            int m = 0;
            int[] bNeeds = need[b.index()];
            for (int k = 0; k < placedCount; k++) {
                Block p = placed[k];
                int sp = need[p.index()][b.index()], sb = bNeeds[p.index()];
                if (sp > 0 && sb > 0) {
                    // b's offset must be at most lo or at least hi
                    lo[m] = offset[p.index()] - (long) sb;
                    hi[m] = offset[p.index()] + (long) sp;
                    m++;
                }
            }
            sortByLow(lo, hi, m);
            long at = place(lo, hi, m, b.align(), bestFit);
            offset[b.index()] = (int) at;
            peak = Math.max(peak, at + b.bytes());
            placed[placedCount++] = b;
        }
        return new Candidate(name, order, offset, peak);
    }

    private static long alignUp(long v, int a) {
        return (v + a - 1) / a * a;
    }

    /**
     * Lowest (or tightest) aligned offset o &gt;= 0 with, for every k, o &lt;= lo[k] or o &gt;= hi[k] (the ranges
     * sorted by lo).
     */
    private static long place(long[] lo, long[] hi, int m, int align, boolean bestFit) {
        long cand = 0, bestAt = -1, bestWaste = Long.MAX_VALUE;
        for (int k = 0; k < m; k++) {
            long a = alignUp(cand, align);
            if (a <= lo[k]) {
                if (!bestFit) {
                    return a;
                }
                long waste = lo[k] - cand;
                if (waste < bestWaste) {
                    bestWaste = waste;
                    bestAt = a;
                }
            }
            cand = Math.max(cand, hi[k]);
        }
        return bestAt >= 0 ? bestAt : alignUp(cand, align);
    }

    private static void sortByLow(long[] lo, long[] hi, int m) {
        for (int i = 1; i < m; i++) {
            long l = lo[i], h = hi[i];
            int j = i - 1;
            while (j >= 0 && lo[j] > l) {
                lo[j + 1] = lo[j];
                hi[j + 1] = hi[j];
                j--;
            }
            lo[j + 1] = l;
            hi[j + 1] = h;
        }
    }
}
