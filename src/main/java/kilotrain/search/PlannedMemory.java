package kilotrain.search;

import java.util.HashMap;
import java.util.Map;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.compiler.memory.ArenaPlanner;
import kilotrain.compiler.memory.MemoryAnalysis;
import kilotrain.compiler.memory.Variant;
import kilotrain.ir.Graph;
import kilotrain.program.Program;
import kilotrain.train.Scheme;

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
    private final ArenaPlanner planner = new ArenaPlanner();
    private final Map<String, Cost> memo = new HashMap<>();
    private int evaluations;
    private double seconds;

    public PlannedMemory(Graph graph, int classes, boolean momentum, boolean weightShadow, boolean biasShadow,
            boolean fused) {
        this.graph = graph;
        this.classes = classes;
        this.momentum = momentum;
        this.weightShadow = weightShadow;
        this.biasShadow = biasShadow;
        this.fused = fused;
    }

    public Cost of(Scheme s) {
        String key = s.biasLastK + "|" + s.full + "|" + s.weightRatios;
        Cost c = memo.get(key);
        if (c == null) {
            long t0 = System.nanoTime();
            Program p = TrainCompiler.compile(graph, new TrainSpec(s, classes, 0));
            MemoryAnalysis a = MemoryAnalysis.of(p, momentum, weightShadow, biasShadow, planner, fused);
            Variant v = a.best();
            c = new Cost(a.sramTotal(v), v.plan().arenaBytes(), a.flashBytes);
            memo.put(key, c);
            evaluations++;
            seconds += (System.nanoTime() - t0) / 1e9;
        }
        return c;
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
