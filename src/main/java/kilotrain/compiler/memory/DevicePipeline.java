package kilotrain.compiler.memory;

import java.util.ArrayList;
import java.util.List;
import kilotrain.ops.core.Instr;
import kilotrain.program.Program;
import kilotrain.program.TrainState;

/**
 * The one lowering pipeline from the compiler's training step to the step the device runs ({@link DeviceProgram}).
 * Every consumer goes through {@link #lower}: {@code compile} (its listing, JSON, memory report and budgets, the C
 * project), {@code device-bench}, {@code device-demo}, {@code train --device-steps}, and the scheme planner's memory
 * count, so what is planned is what is built.
 *
 * <p>The passes, each a function of a program (its step in order) with its own test, in order:
 * <ol>
 * <li>{@code fuse-blocks} ({@link BlockFusion#apply}): frozen conv + depthwise pairs run one channel at a time;</li>
 * <li>{@code in-place-kernels} ({@link InPlace#kernels}): depthwise convs and depthwise / 1x1 input gradients as kernels
 * that write their output over their input through a small scratch, and fused pairs split where the second conv in
 * place holds less;</li>
 * <li>{@code in-place-ops} ({@link InPlace#blocks}, over {@link Liveness}): elementwise instructions write over an
 * input that dies there;</li>
 * <li>{@code in-place-updates} ({@link Reorder#updatesInPlace}): one update per parameter, as early as legal;</li>
 * <li>{@code reordered} ({@link Reorder#optimize}): list scheduling, gradients early, per-conv order searched;</li>
 * <li>{@code fused-weight-updates} ({@link Reorder#optimizeFused}): weight gradients fused with their updates where
 * that lowers the peak (it reorders the block-fused program itself, since fusing changes which order is best);</li>
 * <li>{@code unfuse-blocks} ({@link BlockFusion#unfuseWhereFree}): pairs whose middle tensor fits under the peak
 * anyway are unfused again (the separate kernels are faster);</li>
 * <li>{@code plain-kernels} ({@link InPlace#plainWhereFree}): in-place kernels whose plain form fits under the peak
 * anyway are put back (the plain kernels are faster);</li>
 * <li>{@code row-chunks} ({@link Reorder#rowChunksWhereFree}): fused weight updates four gradient rows at a time
 * wherever the larger chunk fits under the peak (kt_rows.c shares each saved value's conversion between them);</li>
 * <li>{@code arena} ({@link ArenaPlanner}): one offset per block of the final step.</li>
 * </ol>
 * Each pass leaves a line in the stage log ({@link DeviceProgram#log}: instructions, largest live sum, planned arena
 * where planned, what it changed). With {@link Settings#planStages} every intermediate stage is planned as well, for
 * the comparison tables of {@code compile} and {@code --memory-report}; the device's step and plan do not depend on it.
 */
public final class DevicePipeline {
    private DevicePipeline() {
    }

    /**
     * @param fuseBlocks   run the block-fusion passes (compile --fuse-blocks, the default)
     * @param fusedUpdates fuse weight gradients with their updates where that lowers the peak (the default)
     * @param planner      the arena planner of every planned stage
     * @param planStages   plan the intermediate stages too (the memory report's comparison); else only the final step
     */
    public record Settings(boolean fuseBlocks, boolean fusedUpdates, boolean inPlaceKernels, ArenaPlanner planner,
            boolean planStages) {
        /** What the device builds: both fusions, in-place kernels, the default planner, only the final step planned. */
        public static Settings device() {
            return new Settings(true, true, true, new ArenaPlanner(), false);
        }

        public Settings withFuseBlocks(boolean on) {
            return new Settings(on, fusedUpdates, inPlaceKernels, planner, planStages);
        }

        public Settings withFusedUpdates(boolean on) {
            return new Settings(fuseBlocks, on, inPlaceKernels, planner, planStages);
        }

        public Settings withInPlaceKernels(boolean on) {
            return new Settings(fuseBlocks, fusedUpdates, on, planner, planStages);
        }

        public Settings withPlanner(ArenaPlanner p) {
            return new Settings(fuseBlocks, fusedUpdates, inPlaceKernels, p, planStages);
        }

        public Settings withPlannedStages(boolean on) {
            return new Settings(fuseBlocks, fusedUpdates, inPlaceKernels, planner, on);
        }
    }

    /** One line of the stage log: a pass, the step after it, and what it changed. */
    public record Stage(String pass, int instructions, long peakBytes, long arenaBytes, String change) {
        /** {@code arenaBytes} is -1 when this stage was not planned. */
        public boolean planned() {
            return arenaBytes >= 0;
        }
    }

    /** The device's step of {@code compiled} under {@code options} and {@code lr}, lowered by every pass. */
    public static DeviceProgram lower(Program compiled, TrainState.Options options, float lr, Settings s) {
        List<Stage> log = new ArrayList<>();
        List<Variant> planned = new ArrayList<>();
        ArenaPlanner planner = s.planner();
        Program fused = s.fuseBlocks() ? BlockFusion.apply(compiled) : compiled;
        Program p = s.inPlaceKernels() ? InPlace.kernels(compiled, fused) : fused;
        Variant deferred = s.planStages() ? Variant.of("deferred", p, p.step, false, planner) : null;
        log.add(stage("compiled", compiled, compiled.step, false, s.fuseBlocks() || s.inPlaceKernels() ? null : deferred,
                compiled.step.size() + " instructions, updates deferred to after the step"));
        if (s.fuseBlocks()) {
            Variant fusedStage = !s.inPlaceKernels() ? deferred
                    : s.planStages() ? Variant.of("fuse-blocks", fused, fused.step, false, planner) : null;
            log.add(stage("fuse-blocks", fused, fused.step, false, fusedStage,
                    BlockFusion.count(fused.step) + " frozen conv + depthwise pairs fused"));
        }
        if (s.inPlaceKernels()) {
            log.add(stage("in-place-kernels", p, p.step, false, deferred, InPlace.kernelCount(p.step)
                    + " depthwise convs and conv input gradients offered in-place kernels, "
                    + (BlockFusion.count(fused.step) - BlockFusion.count(p.step))
                    + " fused pairs split for an in-place depthwise conv"));
        }
        if (deferred != null) {
            planned.add(deferred);
        }
        Variant inPlaceOps = s.planStages() ? Variant.of("in-place-ops", p, p.step, true, planner) : null;
        log.add(stage("in-place-ops", p, p.step, true, inPlaceOps, inPlaceShared(p, p.step)
                + " buffers written over an input that dies there"));
        if (inPlaceOps != null) {
            planned.add(inPlaceOps);
        }
        List<Instr> updates = Reorder.updatesInPlace(p);
        Variant inPlaceUpdates = s.planStages() ? Variant.of("in-place-updates", p, updates, true, planner) : null;
        log.add(stage("in-place-updates", p, updates, true, inPlaceUpdates, (updates.size() - p.step.size())
                + " updates, each right after its gradient"));
        if (inPlaceUpdates != null) {
            planned.add(inPlaceUpdates);
        }
        Variant last;
        if (!s.fusedUpdates() || s.planStages()) {
            List<Instr> reordered = Reorder.optimize(p);
            last = Variant.of("reordered", p, reordered, true, planner);
            log.add(stage("reordered", p, reordered, true, last, "gradients and updates as early as legal, "
                    + "per-conv gradient order searched"));
            planned.add(last);
        }
        if (s.fusedUpdates()) {
            Program f = Reorder.optimizeFused(p);
            last = Variant.of("fused-weight-updates", f, f.step, true, planner);
            log.add(stage("fused-weight-updates", f, f.step, true, last, Reorder.fusedUpdates(f.step)
                    + " weight gradients fused with their updates"));
            planned.add(last);
        }
        if (s.fuseBlocks()) {
            // fused pairs cost speed: the device keeps only those that hold the peak down
            Variant before = planned.get(planned.size() - 1);
            last = BlockFusion.unfuseWhereFree(compiled, before, planner);
            log.add(stage("unfuse-blocks", last.program(), last.step(), true, last, "kept "
                    + BlockFusion.count(last.step()) + " of " + BlockFusion.count(before.step())
                    + " fused pairs (the others fit under the peak unfused)"));
            planned.set(planned.size() - 1, last);
        }
        if (s.inPlaceKernels()) {
            // in-place kernels copy planes through their scratch: the device keeps only those that hold the peak down
            Variant before = planned.get(planned.size() - 1);
            last = InPlace.plainWhereFree(before, planner);
            log.add(stage("plain-kernels", last.program(), last.step(), true, last, "kept "
                    + InPlace.kernelCount(last.step()) + " of " + InPlace.kernelCount(before.step())
                    + " in-place kernels (the others fit under the peak as plain kernels)"));
            planned.set(planned.size() - 1, last);
        }
        if (s.fusedUpdates()) {
            // rows of four share the saved input's conversions in kt_rows.c: wherever the larger chunk fits the peak
            Variant before = planned.get(planned.size() - 1);
            last = Reorder.rowChunksWhereFree(before, Reorder.WIDE_ROW_CHUNK, planner);
            log.add(stage("row-chunks", last.program(), last.step(), true, last, Reorder.wideRowChunks(last.step())
                    + " of " + Reorder.fusedUpdates(last.step()) + " fused weight updates " + Reorder.WIDE_ROW_CHUNK
                    + " gradient rows at a time (the others one row: four do not fit under the peak)"));
            planned.set(planned.size() - 1, last);
        }
        last = planned.get(planned.size() - 1);
        log.add(new Stage("arena", last.step().size(), last.plan().lowerBound(), last.plan().arenaBytes(),
                last.plan().strategy() + " placement, " + last.plan().blocks().size() + " blocks"));
        return new DeviceProgram(compiled, last, s.planStages() ? planned : List.of(last), log, options, lr);
    }

    private static Stage stage(String pass, Program p, List<Instr> step, boolean inPlace, Variant planned,
            String change) {
        long peak = planned != null ? planned.plan().lowerBound() : Reorder.peak(p, step, inPlace);
        return new Stage(pass, step.size(), peak, planned == null ? -1 : planned.plan().arenaBytes(), change);
    }

    private static int inPlaceShared(Program p, List<Instr> step) {
        Liveness l = Liveness.of(p, step);
        int blocks = InPlace.blocks(l, true).size();
        return l.bufs.size() - blocks;
    }
}
