package kilotrain.search;

import java.util.HashMap;
import java.util.Map;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.compiler.memory.ArenaPlanner;
import kilotrain.compiler.memory.BlockFusion;
import kilotrain.compiler.memory.MemoryAnalysis;
import kilotrain.compiler.memory.Reorder;
import kilotrain.compiler.memory.Variant;
import kilotrain.ir.Graph;
import kilotrain.program.Program;
import kilotrain.compiler.Scheme;

/**
 * The device's memory for a scheme, from the real pipeline: compile the training step, run the memory planner
 * (in-place updates, reordering, one static arena), and read the planned SRAM of the variant the device runs, as
 * {@code kilotrain compile --json} reports it ({@code sram_total_bytes}, {@code arena_bytes}, {@code flash_bytes}).
 * Results are memoised by the scheme's content, since the search asks for the same schemes again.
 */
public final class PlannedMemory {
    public record Cost(long sram, long arena, long flash) {
        /** SRAM outside the arena: trained parameters, float master copies, optimizer state (exactly additive). */
        public long outsideArena() {
            return sram - arena;
        }
    }

    private final Graph graph;
    private final int classes;
    private final boolean momentum, weightShadow, biasShadow, fused;
    private final ArenaPlanner planner;
    private final TrainSpec.Head head;
    private final Map<String, Cost> memo = new HashMap<>();
    private long flash = -1;
    private int evaluations;
    private double seconds;

    public PlannedMemory(Graph graph, int classes, boolean momentum, boolean weightShadow, boolean biasShadow,
            boolean fused) {
        this(graph, classes, momentum, weightShadow, biasShadow, fused, TrainSpec.Head.FLOAT);
    }

    /** With the classifier head the device trains (its parameters and gradients are part of the plan). */
    public PlannedMemory(Graph graph, int classes, boolean momentum, boolean weightShadow, boolean biasShadow,
            boolean fused, TrainSpec.Head head) {
        this(graph, classes, momentum, weightShadow, biasShadow, fused, head, new ArenaPlanner());
    }

    private PlannedMemory(Graph graph, int classes, boolean momentum, boolean weightShadow, boolean biasShadow,
            boolean fused, TrainSpec.Head head, ArenaPlanner planner) {
        this.planner = planner;
        this.head = head;
        this.graph = graph;
        this.classes = classes;
        this.momentum = momentum;
        this.weightShadow = weightShadow;
        this.biasShadow = biasShadow;
        this.fused = fused;
    }

    /**
     * Planned memory of the variant the device runs, computed directly (compile, reorder, plan one arena), which
     * is tens of times faster than the full {@link MemoryAnalysis} with its comparison stages; {@link #full} is
     * the reference it must agree with (a test checks it).
     */
    public Cost of(Scheme s) {
        String key = s.biasLastK + "|" + s.full + "|" + s.weightRatios;
        Cost c = memo.get(key);
        if (c == null) {
            long t0 = System.nanoTime();
            Program compiled = TrainCompiler.compile(graph, new TrainSpec(s, classes, 0, head));
            Program p = BlockFusion.apply(compiled);
            Variant v;
            if (fused) {
                Program f = Reorder.optimizeFused(p);
                v = Variant.of("fused-weight-updates", f, f.step, true, planner);
            } else {
                v = Variant.of("reordered", p, Reorder.optimize(p), true, planner);
            }
            v = BlockFusion.unfuseWhereFree(compiled, v, planner);
            c = new Cost(v.plan().arenaBytes() + outsideArena(p), v.plan().arenaBytes(), flash());
            memo.put(key, c);
            evaluations++;
            seconds += (System.nanoTime() - t0) / 1e9;
        }
        return c;
    }

    /** The same figures from the memory planner's full analysis, as {@code kilotrain compile --json} prints them. */
    public Cost full(Scheme s) {
        Program p = TrainCompiler.compile(graph, new TrainSpec(s, classes, 0, head));
        MemoryAnalysis a = MemoryAnalysis.of(p, momentum, weightShadow, biasShadow, planner, fused);
        Variant v = a.best();
        return new Cost(a.sramTotal(v), v.plan().arenaBytes(), a.flashBytes);
    }

    /** Trained parameters, optimizer state and float master copies: counted as {@link MemoryAnalysis} counts them. */
    private long outsideArena(Program p) {
        long[] o = MemoryAnalysis.outsideArena(p, momentum, weightShadow, biasShadow);
        return o[0] + o[1] + o[2];
    }

    /** Flash holds every weight the forward pass reads and the initial head: the same for every scheme. */
    private long flash() {
        if (flash < 0) {
            flash = full(Scheme.classifierOnly()).flash();
        }
        return flash;
    }

    /**
     * The same pipeline with an arena planner that tries {@code orders} random placement orders instead of the
     * default's 5,000: a quick screen for a search. On one step its arena is the default's or larger (the random
     * search is the same seeded hill climb, stopped earlier); the fused pairs it keeps may differ.
     */
    public PlannedMemory screen(int orders) {
        return new PlannedMemory(graph, classes, momentum, weightShadow, biasShadow, fused, head,
                new ArenaPlanner(orders, 1));
    }

    public int backboneConvs() {
        return TrainCompiler.backboneConvs(graph).size();
    }

    /** Distinct schemes planned so far, and the seconds spent planning them. */
    public int evaluations() {
        return evaluations;
    }

    public double seconds() {
        return seconds;
    }
}
