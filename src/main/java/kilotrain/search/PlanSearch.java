package kilotrain.search;

import java.util.ArrayList;
import java.util.List;
import kilotrain.compiler.Scheme;

/**
 * {@code plan}'s work besides the fine-tunes: the budget sweep of its chart (the found frontier), the reference
 * curves (bias-only:k, last-k, the published schemes) as planned SRAM against predicted accuracy, the lower-bound
 * check on the published schemes, and the published scheme that fits the budget best (what {@code --verify}
 * compares with). The command only draws and prints what this returns.
 */
public final class PlanSearch {
    private PlanSearch() {
    }

    /** One curve of the chart: planned SRAM in bytes against predicted (or verified) accuracy as a fraction. */
    public record Curve(String name, List<Long> sram, List<Double> accuracy, boolean markersOnly) {
    }

    /**
     * The chart's predicted curves: the found frontier over {@code sweep} budgets from the cheapest bias-only scheme
     * to 1.5 x {@code budget} (its plans added to {@code frontier}), the chosen scheme, bias-only:k, last-k and the
     * published schemes. Each frontier point gets a share of {@code maxEvaluations}: the chart is a picture, the chosen
     * scheme the result.
     */
    public static List<Curve> curves(SchemePlanner planner, PlannedMemory memory, SchemePlanner.Plan chosen,
            List<Scheme> published, long budget, int sweep, int maxEvaluations, List<SchemePlanner.Plan> frontier) {
        List<Curve> series = new ArrayList<>();
        long lo = Long.MAX_VALUE;
        for (int k : planner.space().biasK()) {
            lo = Math.min(lo, memory.of(k == 0 ? Scheme.classifierOnly() : Scheme.biasOnly(k)).sram());
        }
        long hi = Math.max(budget * 3 / 2, lo + 1);
        int cap = Math.max(50, maxEvaluations / Math.max(1, sweep));
        for (int i = 0; i < sweep; i++) {
            long b = lo + (hi - lo) * (i + 1) / sweep;
            SchemePlanner.Plan p = planner.tryPlan("frontier", b, cap);
            if (p != null && (frontier.isEmpty()
                    || p.predictedAccuracy() > frontier.get(frontier.size() - 1).predictedAccuracy() + 1e-12)) {
                frontier.add(p);
            }
        }
        series.add(new Curve("found (budget sweep)", frontier.stream().map(p -> p.cost().sram()).toList(),
                frontier.stream().map(SchemePlanner.Plan::predictedAccuracy).toList(), false));
        series.add(new Curve("chosen " + chosen.scheme().name, List.of(chosen.cost().sram()),
                List.of(chosen.predictedAccuracy()), true));
        List<Scheme> bias = new ArrayList<>();
        for (int k : planner.space().biasK()) {
            bias.add(k == 0 ? Scheme.classifierOnly() : Scheme.biasOnly(k));
        }
        series.add(curve("bias-only:k (measured)", bias, planner, memory, false));
        int n = memory.backboneConvs();
        List<Scheme> lastK = new ArrayList<>();
        for (int k : new int[] {2, 3, 4, 6, 8, 12}) {
            if (k <= n + 1) {
                lastK.add(Scheme.lastK(k, n));
            }
        }
        series.add(curve("last-k (k = 2..12, predicted)", lastK, planner, memory, false));
        if (!published.isEmpty()) {
            series.add(curve("published schemes (predicted)", published, planner, memory, true));
        }
        return series;
    }

    private static Curve curve(String name, List<Scheme> schemes, SchemePlanner planner, PlannedMemory memory,
            boolean markersOnly) {
        List<Long> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (Scheme s : schemes) {
            x.add(memory.of(s).sram());
            y.add(planner.predict(s, new int[1]));
        }
        return new Curve(name, x, y, markersOnly);
    }

    /** How many of the {@link SchemePlanner#boundCheck} rows the search's lower bound did not hold on. */
    public static int boundViolations(long[][] bounds) {
        int n = 0;
        for (long[] b : bounds) {
            n += b[0] > b[1] ? 1 : 0;
        }
        return n;
    }

    /** The published scheme with the most planned SRAM within {@code budget}, or null when none fits. */
    public static Scheme largestFitting(List<Scheme> published, PlannedMemory memory, long budget) {
        Scheme rival = null;
        long rivalSram = -1;
        for (Scheme p : published) {
            long ps = memory.of(p).sram();
            if (ps <= budget && ps > rivalSram) {
                rival = p;
                rivalSram = ps;
            }
        }
        return rival;
    }
}
