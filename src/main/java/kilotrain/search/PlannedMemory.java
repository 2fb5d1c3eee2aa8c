package kilotrain.search;

import java.util.HashMap;
import java.util.Map;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.compiler.memory.ArenaPlanner;
import kilotrain.compiler.memory.DeviceProgram;
import kilotrain.compiler.memory.DevicePipeline;
import kilotrain.ir.Graph;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import kilotrain.compiler.Scheme;

/**
 * The device's memory for a scheme, from the real pipeline: compile the training step, lower it as the device does
 * ({@link DevicePipeline}: fusions, in-place updates, reordering, one static arena), and read the planned SRAM, as
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
    private final TrainState.Options options;
    private final DevicePipeline.Settings settings;
    private final TrainSpec.Head head;
    private final Map<String, Cost> memo = new HashMap<>();
    private long flash = -1;
    private int evaluations;
    private double seconds;

    /**
     * The device's memory under the update rules {@code options} (momentum keeps optimizer state, FLOAT_SHADOW rules
     * keep float master copies), lowered by {@code settings} (only the final step is planned), for the classifier head
     * {@code head}.
     */
    public PlannedMemory(Graph graph, int classes, TrainState.Options options, DevicePipeline.Settings settings,
            TrainSpec.Head head) {
        this.graph = graph;
        this.classes = classes;
        this.options = options;
        this.settings = settings.withPlannedStages(false);
        this.head = head;
    }

    /**
     * Planned memory of the step the device runs: the lowering pipeline ({@link DevicePipeline#lower}) with only its final
     * step planned, which is tens of times faster than planning every comparison stage as {@link #full} does; both
     * give the same device program (a test checks it).
     */
    public Cost of(Scheme s) {
        String key = s.biasLastK + "|" + s.full + "|" + s.weightRatios;
        Cost c = memo.get(key);
        if (c == null) {
            long t0 = System.nanoTime();
            c = cost(lower(s, settings), flash());
            memo.put(key, c);
            evaluations++;
            seconds += (System.nanoTime() - t0) / 1e9;
        }
        return c;
    }

    /** The same figures with every stage planned, as {@code kilotrain compile --json} prints them. */
    public Cost full(Scheme s) {
        DeviceProgram d = lower(s, settings.withPlannedStages(true));
        return cost(d, d.flashBytes);
    }

    private DeviceProgram lower(Scheme s, DevicePipeline.Settings with) {
        Program compiled = TrainCompiler.compile(graph, new TrainSpec(s, classes, 0, head));
        return DevicePipeline.lower(compiled, options, 0f, with);
    }

    private static Cost cost(DeviceProgram d, long flash) {
        return new Cost(d.sramBytes(), d.arenaBytes(), flash);
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
        return new PlannedMemory(graph, classes, options, settings.withPlanner(new ArenaPlanner(orders, 1)), head);
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
