package kilotrain.exec;

import kilotrain.compiler.memory.DeviceProgram;
import kilotrain.compiler.memory.DevicePipeline;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import kilotrain.KtException;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.compiler.memory.ArenaPlan;
import kilotrain.compiler.memory.ArenaPlanner;
import kilotrain.compiler.memory.Block;
import kilotrain.compiler.memory.Variant;
import kilotrain.data.DatasetSplit;
import kilotrain.data.InputSpec;
import kilotrain.data.LoadOptions;
import kilotrain.data.SampleSource;
import kilotrain.data.TestTransform;
import kilotrain.data.TrainAugment;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.DType;
import kilotrain.ir.Graph;
import kilotrain.ops.add.AddBwd;
import kilotrain.ops.conv.ConvDwFwd;
import kilotrain.ops.conv.ConvWeightUpdate;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.Update;
import kilotrain.ops.update.WeightRounding;
import kilotrain.ops.core.Buf;
import kilotrain.program.Program;
import kilotrain.compiler.Scheme;
import kilotrain.program.TrainState;
import org.junit.jupiter.api.Test;

/**
 * The arena plan proven by execution: the training step run with every transient buffer only at its planned offset
 * in one byte arena trains bit-identically to the step with one array per buffer, on real CIFAR-10 images; a plan
 * that overlaps two live buffers does not.
 */
public class ArenaExecutionTest {
    static final Path SHARED = Path.of(System.getProperty("user.dir")).resolve("../shared").normalize();
    /** The compile command's default rules: stochastic int8 weights, float bias copies; plain SGD, QAS. */
    static final TrainState.Options DEFAULTS = new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC,
            BiasRounding.FLOAT_SHADOW, 7);
    static final float LR = 0.05f;

    private static Graph mcunet;
    private static Program mcunet99;
    private static DeviceProgram mcunet99Memory;

    static synchronized DeviceProgram mcunet99() {
        if (mcunet99Memory == null) {
            mcunet = ModelLoader.load(SHARED.resolve("models/tiny-training/mcunet-5fps.pkl"));
            Scheme s = Scheme.resolve("mcunet-5fps:99kb", TrainCompiler.backboneConvs(mcunet).size());
            mcunet99 = TrainCompiler.compile(mcunet, new TrainSpec(s, 10, 3));
            mcunet99Memory = DevicePipeline.lower(mcunet99, DEFAULTS, 0f, DevicePipeline.Settings.device().withFuseBlocks(true)
                    .withPlannedStages(true));
        }
        return mcunet99Memory;
    }

    /** {@code n} CIFAR-10 test images of different classes, resized to the model's input, and their labels. */
    public static List<byte[]> cifar(Graph g, int n, int[] labels) {
        DatasetSplit split = DatasetSplit.open(SHARED.resolve("data/cifar10"),
                LoadOptions.defaults().withLimitPerClass(1), LoadOptions.defaults().withLimitPerClass(1));
        SampleSource src = new SampleSource(split, InputSpec.of(g.input), TrainAugment.standard(),
                TestTransform.resize(), 0);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int at = i * (src.testSize() / n);
            byte[] b = new byte[g.input.elements()];
            src.fillTest(at, b);
            out.add(b);
            labels[i] = src.testLabel(at);
        }
        return out;
    }

    static ArenaCheck.Result check(Variant v, List<byte[]> inputs, int[] labels, int steps) {
        assertNull(v.plan().conflict(), "the planner's plan is valid");
        return ArenaCheck.run(v.program().withStep(v.step()), v.plan(), DEFAULTS, LR, inputs, labels, steps);
    }

    static void assertIdentical(ArenaCheck.Result r, String what) {
        assertTrue(r.identical(), what + ": " + r.firstDifference());
        assertEquals(r.steps(), r.arenaLoss().length);
        for (int k = 0; k < r.steps(); k++) {
            assertEquals(r.unplannedLoss()[k], r.arenaLoss()[k], what + " step " + k);
            assertTrue(Float.isFinite(Float.intBitsToFloat(r.arenaLoss()[k])), what + " step " + k + " loss");
        }
    }

    /** The acceptance check: mcunet-5fps:99kb, reordered with in-place updates, in the ArenaPlanner's arena. */
    @Test
    void mcunet99kbReorderedTrainsBitIdenticallyInTheArena() {
        Variant v = mcunet99().variant("reordered");
        assertTrue(v.step().stream().anyMatch(in -> in instanceof Update), "updates run in place");
        assertTrue(v.step().stream().anyMatch(in -> in instanceof ConvDwFwd), "fused pointwise + depthwise");
        assertTrue(v.plan().blocks().stream().anyMatch(b -> b.members().size() > 1), "in-place chains share blocks");
        // in-place kernels: the stem's depthwise conv over its int8 input in the one Java arena, input gradients over
        // their float g_acc, chains whose size changes at those instructions
        assertTrue(v.step().stream().anyMatch(in -> in instanceof kilotrain.ops.conv.ConvDwInPlace d
                && v.plan().offsetOf(d.in()) == v.plan().offsetOf(d.out())), "a depthwise conv over its input");
        assertTrue(v.step().stream().anyMatch(in -> in instanceof kilotrain.ops.conv.ConvInputGradInPlace g
                && v.plan().offsetOf(g.base().gAcc()) == v.plan().offsetOf(g.base().gIn())), "g_x over g_acc");
        assertTrue(v.plan().blocks().stream().anyMatch(b -> b.sizes() != null), "blocks of changing size");
        int[] labels = new int[4];
        List<byte[]> inputs = cifar(mcunet, 4, labels);
        ArenaCheck.Result r = check(v, inputs, labels, 4);
        assertIdentical(r, "mcunet-5fps:99kb reordered");
        // the losses move: the parameters the later steps see were updated in place
        assertTrue(r.arenaLoss()[0] != r.arenaLoss()[1] || r.arenaLoss()[1] != r.arenaLoss()[2]);
    }

    /**
     * The fused weight-gradient updates (chunk buffers of four rows, saved inputs read by the fused op) and the
     * deferred step.
     */
    @Test
    void mcunet99kbFusedAndDeferredTrainBitIdenticallyInTheArena() {
        DeviceProgram a = mcunet99();
        int[] labels = new int[3];
        List<byte[]> inputs = cifar(mcunet, 3, labels);
        Variant fused = a.variant("fused-weight-updates");
        assertTrue(fused.step().stream().anyMatch(in -> in instanceof ConvWeightUpdate u && u.rowsPerChunk() == 4),
                "fused updates four gradient rows at a time");
        assertIdentical(check(fused, inputs, labels, 3), "mcunet-5fps:99kb fused");
        // compiler order, every gradient alive to the end and read from the arena by the update after the step
        assertIdentical(check(a.variant("deferred"), inputs, labels, 2), "mcunet-5fps:99kb deferred");
    }

    /**
     * The check has teeth: two buffers live at the same time given overlapping offsets (an int8 activation over a
     * saved one, a float gradient over another, a mask over an activation) change the results.
     */
    @Test
    void overlappingLiveBuffersChangeTheResults() {
        Variant v = mcunet99().variant("reordered");
        int[] labels = new int[2];
        List<byte[]> inputs = cifar(mcunet, 2, labels);
        Program p = v.program().withStep(v.step());
        int checked = 0;
        for (Buf.Kind[] kinds : new Buf.Kind[][] {{Buf.Kind.ACT, Buf.Kind.SAVED}, {Buf.Kind.GRAD, Buf.Kind.GRAD},
                {Buf.Kind.MASK, Buf.Kind.ACT}}) {
            ArenaPlan broken = clobber(v.plan(), kinds[0], kinds[1]);
            assertNotNull(broken, "no live pair " + kinds[0] + " over " + kinds[1]);
            assertNotNull(broken.conflict(), "the broken plan overlaps two live buffers");
            ArenaCheck.Result r = ArenaCheck.run(p, broken, DEFAULTS, LR, inputs, labels, 2);
            assertFalse(r.identical(), kinds[0] + " written over a live " + kinds[1] + " went unnoticed");
            checked++;
        }
        assertEquals(3, checked);
    }

    /** Plans the executor refuses outright: a buffer of the step without a place, a misaligned float buffer. */
    @Test
    void incompletePlansAreRejected() {
        Variant v = mcunet99().variant("reordered");
        Program p = v.program().withStep(v.step());
        ArenaPlan plan = v.plan();
        List<Block> missing = new ArrayList<>(plan.blocks());
        Block dropped = missing.remove(missing.size() - 1);
        ArenaPlan without = new ArenaPlan("broken", missing, plan.offset(), plan.arenaBytes(), plan.lowerBound(),
                plan.lowerBoundStep());
        KtException e = assertThrows(KtException.class, () -> ArenaLayout.of(p, without));
        assertTrue(e.getMessage().contains(dropped.members().get(0).name), e.getMessage());
        Block f = plan.blocks().stream().filter(b -> b.members().get(0).dtype == DType.FLOAT32
                && b.members().get(0).kind != Buf.Kind.MASK).findFirst().orElseThrow();
        int[] off = plan.offset().clone();
        off[f.index()] += 4;
        ArenaPlan misaligned = new ArenaPlan("broken", plan.blocks(), off, plan.arenaBytes() + 8, plan.lowerBound(),
                plan.lowerBoundStep());
        e = assertThrows(KtException.class, () -> ArenaLayout.of(p, misaligned));
        assertTrue(e.getMessage().contains("aligned"), e.getMessage());
    }

    /** A TFLite model (fixed-point requantization, TFLite's ADD): ResNet-8, last 4 convs, on 32x32 CIFAR-10. */
    @Test
    void resnet8TfliteLastK4TrainsBitIdenticallyInTheArena() {
        Graph g = ModelLoader.load(SHARED.resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite"));
        Scheme s = Scheme.resolve("last-k:4", TrainCompiler.backboneConvs(g).size());
        Program p = TrainCompiler.compile(g, new TrainSpec(s, 10, 5));
        DeviceProgram a = DevicePipeline.lower(p, DEFAULTS, 0f, DevicePipeline.Settings.device().withPlannedStages(true));
        int[] labels = new int[4];
        List<byte[]> inputs = cifar(g, 4, labels);
        Variant v = a.variant("reordered");
        assertTrue(v.step().stream().anyMatch(in -> in instanceof AddBwd), "the step runs add backward");
        assertIdentical(check(v, inputs, labels, 6), "resnet8 last-k:4 reordered");
        assertIdentical(check(a.best(), inputs, labels, 4), "resnet8 last-k:4 " + a.best().name());
        // another valid plan (every block its own bytes) gives the same bits: nothing depends on where
        ArenaPlan spread = spread(v.plan());
        assertNull(spread.conflict());
        ArenaCheck.Result r = ArenaCheck.run(p.withStep(v.step()), spread, DEFAULTS, LR, inputs, labels, 3);
        assertIdentical(r, "resnet8 spread plan");
    }

    /**
     * The plan with block {@code over} moved onto block {@code under}: the first pair (by instruction) where a buffer
     * of kind {@code overKind} is first written while one of kind {@code underKind} is live and read later.
     */
    static ArenaPlan clobber(ArenaPlan plan, Buf.Kind overKind, Buf.Kind underKind) {
        for (Block under : plan.blocks()) {
            if (under.members().get(0).kind != underKind || under.bytes() == 0) {
                continue;
            }
            for (Block over : plan.blocks()) {
                int at = plan.offset()[under.index()];
                if (over.members().get(0).kind == overKind && over != under && over.bytes() > 0
                        && under.start() < over.start() && over.start() < under.end() && at % over.align() == 0) {
                    int[] off = plan.offset().clone();
                    off[over.index()] = at;
                    long bytes = Math.max(plan.arenaBytes(), (long) at + over.bytes());
                    return new ArenaPlan("clobbered", plan.blocks(), off, bytes, plan.lowerBound(),
                            plan.lowerBoundStep());
                }
            }
        }
        return null;
    }

    /** Every block at its own offset, one after the other: valid, and much larger than the planned arena. */
    static ArenaPlan spread(ArenaPlan plan) {
        int[] off = new int[plan.offset().length];
        long at = 0;
        for (Block b : plan.blocks()) {
            at = (at + 7) / 8 * 8;
            off[b.index()] = (int) at;
            at += b.bytes();
        }
        return new ArenaPlan("spread", plan.blocks(), off, at, plan.lowerBound(), plan.lowerBoundStep());
    }
}
