package kilotrain.search;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import kilotrain.KtException;
import kilotrain.compiler.Scheme;

/**
 * Turns a contribution analysis and the memory planner into the search space of {@link SchemeOptimizer}, and its
 * answers back into schemes. The candidate bias depths are 0 and every measured k; the candidate weight layers and
 * ratios are the measured ones. The memory lower bound of a candidate uses, per part, the planner's own numbers: the
 * SRAM outside the arena of bias-only:k plus, for each weight layer, the extra SRAM outside the arena it adds to
 * classifier-only (exactly additive: one buffer per trained parameter), plus the largest arena among bias-only:k and
 * each weight layer trained alone (the assumption that makes the bound admissible: training more never shrinks the
 * planned arena; {@link #boundCheck} measures it on given schemes).
 */
public final class SchemePlanner {
    public record Plan(Scheme scheme, double predictedAccuracy, PlannedMemory.Cost cost, SchemeOptimizer.Result result,
            double seconds) {
    }

    private final AnalysisTable table;
    private final PlannedMemory memory;
    private final SchemeSpace space;
    private final long flashBudget;
    private final int maxEvaluations;
    private final PlannedMemory screen;
    private java.util.function.IntConsumer onEvaluation = n -> {
    };
    private int evaluations;

    public SchemePlanner(AnalysisTable table, PlannedMemory memory, long flashBudget, int maxEvaluations) {
        this.table = table;
        this.memory = memory;
        this.flashBudget = flashBudget;
        this.maxEvaluations = maxEvaluations;
        this.screen = memory.screen(200);
        if (memory.backboneConvs() != table.backboneConvs) {
            throw new KtException("the analysis was made on a model with " + table.backboneConvs
                    + " backbone convs, this model has " + memory.backboneConvs());
        }
        List<Integer> ks = new ArrayList<>();
        ks.add(0);
        for (int k : table.biasAccuracy.keySet()) {
            if (k > 0) {
                ks.add(k);
            }
        }
        int nb = ks.size();
        int[] biasK = new int[nb];
        double[] bg = new double[nb];
        long[] bf = new long[nb], ba = new long[nb];
        for (int b = 0; b < nb; b++) {
            biasK[b] = ks.get(b);
            bg[b] = table.biasGain(biasK[b]);
            PlannedMemory.Cost c = memory.of(biasScheme(biasK[b]));
            bf[b] = c.outsideArena();
            ba[b] = c.arena();
        }
        PlannedMemory.Cost none = memory.of(Scheme.classifierOnly());
        List<Integer> convs = new ArrayList<>(table.weightAccuracy.keySet());
        int n = convs.size();
        int[] conv = new int[n];
        double[][] ratio = new double[n][], gain = new double[n][];
        long[][] fixed = new long[n][], arena = new long[n][];
        for (int i = 0; i < n; i++) {
            conv[i] = convs.get(i);
            TreeMap<Double, Double> rs = table.weightAccuracy.get(conv[i]);
            ratio[i] = new double[rs.size()];
            gain[i] = new double[rs.size()];
            fixed[i] = new long[rs.size()];
            arena[i] = new long[rs.size()];
            int j = 0;
            for (double r : rs.keySet()) {
                ratio[i][j] = r;
                gain[i][j] = table.weightGain(conv[i], r);
                PlannedMemory.Cost c = memory.of(new Scheme("probe", 0, Map.of(conv[i], r), false));
                fixed[i][j] = Math.max(0, c.outsideArena() - none.outsideArena());
                arena[i][j] = c.arena();
                j++;
            }
        }
        space = new SchemeSpace(biasK, bg, bf, ba, conv, ratio, gain, fixed, arena);
    }

    public SchemeSpace space() {
        return space;
    }

    private static Scheme biasScheme(int k) {
        return k == 0 ? Scheme.classifierOnly() : Scheme.biasOnly(k);
    }

    public Scheme scheme(String name, int b, int[] choice) {
        TreeMap<Integer, Double> w = new TreeMap<>();
        for (int i = 0; i < choice.length; i++) {
            if (choice[i] >= 0) {
                w.put(space.conv()[i], space.ratio()[i][choice[i]]);
            }
        }
        return new Scheme(name, space.biasK()[b], w, false);
    }

    /** Called after every leaf the memory planner checks, with the running count (progress of a long search). */
    public void onEvaluation(java.util.function.IntConsumer listener) {
        onEvaluation = listener;
    }

    /**
     * Leaves are screened by a planner with 200 random placement orders; only a leaf that fits under it is planned by
     * the full planner (what compile reports), whose figure decides: no scheme is accepted on the screen's word. The
     * full planner is the same seeded search run longer, so it plans the same or less on a given step (the fusion
     * choices made on top of it can differ); the leaves the screen loses are those only the full planner fits.
     */
    private long oracle(int b, int[] choice, long budget) {
        Scheme s = scheme("candidate", b, choice);
        PlannedMemory.Cost c = screen.of(s);
        onEvaluation.accept(++evaluations);
        if (flashBudget >= 0 && c.flash() > flashBudget) {
            return Long.MAX_VALUE;
        }
        return c.sram() > budget ? c.sram() : memory.of(s).sram();
    }

    /** The best scheme for an SRAM budget; an infeasible budget throws with the smallest budget that works. */
    public Plan plan(String name, long sramBudget) {
        Plan p = tryPlan(name, sramBudget);
        if (p != null) {
            return p;
        }
        long smallest = Long.MAX_VALUE, flash = Long.MAX_VALUE;
        String which = null;
        for (int b = 0; b < space.biasK().length; b++) {
            PlannedMemory.Cost c = memory.of(biasScheme(space.biasK()[b]));
            flash = Math.min(flash, c.flash());
            if ((flashBudget < 0 || c.flash() <= flashBudget) && c.sram() < smallest) {
                smallest = c.sram();
                which = biasScheme(space.biasK()[b]).name;
            }
        }
        if (which == null) {
            throw new KtException(String.format(Locale.ROOT, "flash budget %,d bytes is too small: every scheme of %s "
                    + "needs at least %,d bytes of flash (the frozen weights); smallest flash budget that works: %s",
                    flashBudget, table.model, flash, kib(flash)));
        }
        if (smallest <= sramBudget) {
            throw new KtException(String.format(Locale.ROOT, "the search stopped at its cap of %,d memory-planner calls "
                    + "without a scheme, though %s fits (%,d bytes); raise --max-evaluations", maxEvaluations, which,
                    smallest));
        }
        throw new KtException(String.format(Locale.ROOT, "no scheme of %s fits an SRAM budget of %,d bytes: the "
                + "smallest training step (%s) plans to %,d bytes of SRAM; smallest SRAM budget that works: %s (%,d "
                + "bytes)", table.model, sramBudget, which, smallest, kib(smallest), smallest));
    }

    /** Like {@link #plan} but returns null when nothing fits. */
    public Plan tryPlan(String name, long sramBudget) {
        return tryPlan(name, sramBudget, maxEvaluations);
    }

    /** The same with another cap on planner calls (the chart's frontier points are cheaper, possibly unproven). */
    public Plan tryPlan(String name, long sramBudget, int evaluationCap) {
        long t0 = System.nanoTime();
        SchemeOptimizer.Result r = new SchemeOptimizer(space, this::oracle, evaluationCap).optimize(sramBudget);
        if (!r.found()) {
            return null;
        }
        Scheme s = scheme(name, r.bias(), r.choice());
        return new Plan(s, table.baselineAccuracy + r.gain(), memory.of(s), r, (System.nanoTime() - t0) / 1e9);
    }

    /** The chosen scheme re-checked by the memory planner's full analysis (what compile reports); throws if over. */
    public PlannedMemory.Cost confirm(Plan p, long sramBudget) {
        PlannedMemory.Cost full = memory.full(p.scheme());
        if (full.sram() > sramBudget || flashBudget >= 0 && full.flash() > flashBudget) {
            throw new KtException(String.format(Locale.ROOT, "internal error: scheme %s was searched at %,d bytes of "
                    + "SRAM but the full memory analysis plans %,d bytes (flash %,d) against the budget %,d; please "
                    + "report it", p.scheme(), p.cost().sram(), full.sram(), full.flash(), sramBudget));
        }
        return full;
    }

    /**
     * Predicted accuracy of any scheme from the analysis: the classifier-only accuracy, plus the gain of its bias
     * depth (linearly interpolated between measured depths), plus the gain of each weight layer at its ratio. Parts
     * the analysis did not measure add nothing; {@code unmeasured[0]} counts them.
     */
    public double predict(Scheme s, int[] unmeasured) {
        double acc = table.baselineAccuracy + interpolatedBiasGain(s.biasLastK);
        for (Map.Entry<Integer, Double> e : s.weightRatios.entrySet()) {
            double g = table.weightGain(e.getKey(), e.getValue());
            if (Double.isNaN(g)) {
                unmeasured[0]++;
            } else {
                acc += g;
            }
        }
        return acc;
    }

    private double interpolatedBiasGain(int k) {
        TreeMap<Integer, Double> g = new TreeMap<>();
        g.put(0, 0.0);
        for (int m : table.biasAccuracy.keySet()) {
            g.put(m, table.biasGain(m));
        }
        int kk = k < 0 ? table.backboneConvs + 1 : k;
        Map.Entry<Integer, Double> lo = g.floorEntry(kk), hi = g.ceilingEntry(kk);
        if (hi == null) {
            return lo.getValue();
        }
        if (lo.getKey().equals(hi.getKey())) {
            return lo.getValue();
        }
        double t = (double) (kk - lo.getKey()) / (hi.getKey() - lo.getKey());
        return lo.getValue() + t * (hi.getValue() - lo.getValue());
    }

    /**
     * Lower bound against planned SRAM for each scheme whose parts are in the space: if a bound ever exceeds the
     * planned figure, the admissibility assumption fails for this model (and the plan is reported as unproven).
     */
    public long[][] boundCheck(List<Scheme> schemes) {
        List<long[]> rows = new ArrayList<>();
        for (Scheme s : schemes) {
            int b = indexOf(space.biasK(), s.biasLastK);
            int[] choice = new int[space.items()];
            java.util.Arrays.fill(choice, -1);
            boolean inSpace = b >= 0;
            for (Map.Entry<Integer, Double> e : s.weightRatios.entrySet()) {
                int i = indexOf(space.conv(), e.getKey());
                int j = i < 0 ? -1 : indexOf(space.ratio()[i], e.getValue());
                if (j < 0) {
                    inSpace = false;
                    break;
                }
                choice[i] = j;
            }
            if (inSpace) {
                rows.add(new long[] {space.lowerBound(b, choice), memory.of(s).sram()});
            }
        }
        return rows.toArray(new long[0][]);
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOf(double[] a, double v) {
        for (int i = 0; i < a.length; i++) {
            if (Math.abs(a[i] - v) < 1e-9) {
                return i;
            }
        }
        return -1;
    }

    static String kib(long bytes) {
        return (bytes + 1023) / 1024 + "K";
    }
}
