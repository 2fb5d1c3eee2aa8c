package kilotrain.compiler.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import kilotrain.ops.core.Instr;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import org.junit.jupiter.api.Test;

/**
 * The lowering pipeline: its stage log follows the passes, the device's step and plan do not depend on whether the
 * comparison stages are planned, the switches drop exactly their passes, and the memory it reports adds up.
 */
class DevicePipelineTest {
    static final TrainState.Options OPTIONS = new TrainState.Options(true, 0.9f, WeightRounding.FLOAT_SHADOW,
            BiasRounding.FLOAT_SHADOW, 0);
    static final DevicePipeline.Settings QUICK = new DevicePipeline.Settings(true, true, true, new ArenaPlanner(200, 1), false);

    @Test
    void stageLogFollowsThePasses() {
        Program p = ReorderResultsTest.compile("mcunet-5fps:99kb");
        DeviceProgram d = DevicePipeline.lower(p, OPTIONS, 0.05f, QUICK);
        assertEquals(List.of("compiled", "fuse-blocks", "in-place-kernels", "in-place-ops", "in-place-updates",
                "fused-weight-updates", "unfuse-blocks", "plain-kernels", "row-chunks", "arena"),
                d.log.stream().map(DevicePipeline.Stage::pass).toList());
        DevicePipeline.Stage compiled = d.log.get(0), fused = d.log.get(1), kernels = d.log.get(2);
        DevicePipeline.Stage updates = d.log.get(4), last = d.log.get(9);
        assertEquals(p.step.size(), compiled.instructions());
        int pairs = BlockFusion.count(BlockFusion.apply(p).step);
        assertTrue(pairs > 0);
        assertEquals(p.step.size() - pairs, fused.instructions(), "each fused pair is one instruction less");
        assertEquals(kernels.instructions() + p.params.size(), updates.instructions(), "one update per parameter");
        assertTrue(fused.peakBytes() <= compiled.peakBytes(), "block fusion never raises the peak");
        // the stem's pair is split again: its depthwise conv runs in place (one instruction more)
        assertEquals(fused.instructions() + 1, kernels.instructions());
        assertTrue(d.log.get(3).peakBytes() <= kernels.peakBytes(), "in-place sharing never raises the peak");
        assertTrue(d.log.get(5).peakBytes() < updates.peakBytes(), "reordering with fused updates lowers the peak");
        assertTrue(d.log.get(7).peakBytes() <= d.log.get(6).peakBytes(), "plain kernels only where they fit");
        assertTrue(d.log.get(8).peakBytes() <= d.log.get(7).peakBytes(), "rows of four only where they fit");
        assertTrue(d.log.get(8).arenaBytes() <= d.log.get(7).arenaBytes(), "rows of four only where they fit");
        assertEquals(d.step().size(), last.instructions());
        assertEquals(d.arenaBytes(), last.arenaBytes());
        assertEquals(d.plan().lowerBound(), last.peakBytes());
        assertEquals(null, d.plan().conflict());
        assertEquals(0.05f, d.lr);
        assertSame(OPTIONS, d.options);
        String log = d.stageLog();
        for (DevicePipeline.Stage s : d.log) {
            assertTrue(log.contains(s.pass()) && log.contains(s.change()), log);
        }
    }

    @Test
    void plannedStagesDoNotChangeTheDeviceProgram() {
        Program p = ReorderResultsTest.compile("mcunet-5fps:49kb");
        DeviceProgram quick = DevicePipeline.lower(p, OPTIONS, 0.05f, QUICK);
        DeviceProgram all = DevicePipeline.lower(p, OPTIONS, 0.05f, QUICK.withPlannedStages(true));
        assertEquals(List.of("deferred", "in-place-ops", "in-place-updates", "reordered", "fused-weight-updates"),
                all.variants.stream().map(Variant::name).toList());
        assertEquals(1, quick.variants.size());
        assertEquals(names(quick.step()), names(all.step()));
        assertEquals(quick.arenaBytes(), all.arenaBytes());
        assertEquals(quick.sramBytes(), all.sramBytes());
        assertEquals(quick.flashBytes, all.flashBytes);
        for (DevicePipeline.Stage s : all.log) {
            if (!s.pass().equals("compiled")) {
                assertTrue(s.planned(), s.pass() + " is planned with planStages");
            }
        }
    }

    @Test
    void switchesDropTheirPasses() {
        Program p = ReorderResultsTest.compile("mcunet-5fps:49kb");
        DeviceProgram plain = DevicePipeline.lower(p, OPTIONS, 0.05f, QUICK.withFuseBlocks(false).withFusedUpdates(false)
                .withInPlaceKernels(false));
        assertEquals(List.of("compiled", "in-place-ops", "in-place-updates", "reordered", "arena"),
                plain.log.stream().map(DevicePipeline.Stage::pass).toList());
        assertEquals(0, BlockFusion.count(plain.step()));
        assertEquals(0, InPlace.kernelCount(plain.step()));
        assertEquals(0, Reorder.fusedUpdates(plain.step()));
        assertEquals(names(Reorder.optimize(p)), names(plain.step()), "the reorder pass alone");
        DeviceProgram device = DevicePipeline.lower(p, OPTIONS, 0.05f, QUICK);
        assertTrue(device.arenaBytes() < plain.arenaBytes(), device.arenaBytes() + " vs " + plain.arenaBytes());
    }

    @Test
    void memoryAddsUp() {
        Program p = ReorderResultsTest.compile("mcunet-5fps:49kb");
        DeviceProgram d = DevicePipeline.lower(p, OPTIONS, 0.05f, QUICK);
        long trainable = 0, elements = 0, shadow = 0;
        for (var q : p.params) {
            trainable += q.value.bytes();
            elements += q.value.elements;
            shadow += q.isFloat() ? 0 : 4L * q.value.elements;
        }
        assertEquals(trainable, d.trainableBytes);
        assertEquals(4 * elements, d.optimizerBytes, "momentum: one float per trained element");
        assertEquals(shadow, d.shadowBytes, "shadow rules: one float per trained conv element");
        assertEquals(d.arenaBytes() + trainable + 4 * elements + shadow, d.sramBytes());
        assertEquals(p.input.bytes(), d.inputBytes);
        DeviceProgram plainSgd = DevicePipeline.lower(p, new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC,
                BiasRounding.NEAREST_EVEN, 0), 0.05f, QUICK);
        assertEquals(0, plainSgd.optimizerBytes + plainSgd.shadowBytes);
        assertFalse(d.program().step.isEmpty());
        assertEquals(names(d.step()), names(d.program().step));
    }

    private static List<String> names(List<Instr> step) {
        return step.stream().map(in -> in.op() + in.writes()).toList();
    }
}
