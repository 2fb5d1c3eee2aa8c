package kilotrain.compiler.memory;

import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.TrainState;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.exec.TrainExecutor;
import kilotrain.ops.conv.ConvDwFwd;
import kilotrain.ops.conv.ConvFwd;
import kilotrain.importer.pkl.PklImporter;
import kilotrain.ir.Conv2D;
import kilotrain.ir.Graph;
import kilotrain.ops.conv.ConvDwFused;
import kilotrain.ops.conv.ConvKernel;
import kilotrain.ops.Scratch;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;
import kilotrain.program.Program;
import kilotrain.ops.core.TrainedConv;
import kilotrain.compiler.PublishedSchemes;
import kilotrain.compiler.Scheme;
import org.junit.jupiter.api.Test;

/**
 * Fusing frozen (pointwise or stem) convs with the depthwise conv after them changes where the forward pass keeps its
 * tensors, never a bit of what it computes: the same losses and parameters as the compiler's program, on real
 * CIFAR-10 images, and only pairs nothing in the backward pass looks at are fused.
 */
class BlockFusionTest {
    static final Path SHARED = ReorderResultsTest.SHARED;
    static final Graph MBV2 = PklImporter.load(SHARED.resolve("models/tiny-training/mbv2-w0.35.pkl"));

    /** Batch-1 training; in-place programs update inside the step, the others through the deferred update. */
    static float[] train(TrainExecutor ex, List<byte[]> inputs, int[] labels, int steps, boolean inPlace) {
        Program p = ex.program();
        TrainExecutor.Workspace ws = ex.workspace();
        float[][] g = new float[p.params.size()][];
        for (int i = 0; i < g.length; i++) {
            g[i] = new float[p.params.get(i).value.elements];
        }
        float[] losses = new float[steps];
        for (int s = 0; s < steps; s++) {
            int i = s % inputs.size();
            if (inPlace) {
                losses[s] = ex.step(ws, inputs.get(i), labels[i], 0.05f);
            } else {
                losses[s] = ex.step(ws, inputs.get(i), labels[i]);
                ex.copyGradients(ws, g);
                ex.state().apply(g, 1, 0.05f);
            }
        }
        return losses;
    }

    @Test
    void mbv2TrainsBitIdentically() {
        check(MBV2, "mbv2-w0.35:49kb");
    }

    @Test
    void mcunetTrainsBitIdentically() {
        check(ReorderResultsTest.MCUNET, "mcunet-5fps:99kb");
    }

    static void check(Graph g, String scheme) {
        Program p = TrainCompiler.compile(g, new TrainSpec(PublishedSchemes.get(scheme), 10, 3));
        Program fused = BlockFusion.apply(p);
        assertOnlyFrozenPairsFused(p, fused);
        int[] labels = new int[3];
        List<byte[]> inputs = kilotrain.exec.ArenaExecutionTest.cifar(g, 3, labels);
        // the device's form: fused, reordered with in-place updates, as the arena planner sees it
        Variant best = DevicePipeline.lower(p, new TrainState.Options(true, 0.9f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 0), 0f, new DevicePipeline.Settings(true, false, true, new ArenaPlanner(100, 1), false))
                .best();
        assertTrue(BlockFusion.count(best.step()) > 0, scheme + ": the planned step has no fused pair");
        Program device = best.program().withStep(best.step());

        TrainExecutor ref = new TrainExecutor(p, ReorderResultsTest.state(p));
        TrainExecutor a = new TrainExecutor(fused, ReorderResultsTest.state(fused));
        TrainExecutor b = new TrainExecutor(device, ReorderResultsTest.state(device));
        float[] lr = train(ref, inputs, labels, 3, false);
        assertArrayEquals(lr, train(a, inputs, labels, 3, false), scheme + " fused, compiler order");
        assertArrayEquals(lr, train(b, inputs, labels, 3, true), scheme + " fused, reordered, in-place updates");
        ReorderResultsTest.assertSameParameters(ref.state(), a.state());
        ReorderResultsTest.assertSameParameters(ref.state(), b.state());
        float[] la = new float[10], lb = new float[10];
        assertEquals(ref.predict(ref.workspace(), inputs.get(0), la), a.predict(a.workspace(), inputs.get(0), lb));
        assertArrayEquals(la, lb);
    }

    /**
     * Every fused pair is frozen and its middle tensor gone; every pair left unfused (an ungrouped conv whose output
     * a depthwise conv reads) has a reason: a trained or masked conv, or a second reader of the middle tensor.
     */
    static void assertOnlyFrozenPairsFused(Program p, Program fused) {
        Map<Conv2D, TrainedConv> trained = new IdentityHashMap<>();
        for (TrainedConv t : p.trained) {
            trained.put(t.op, t);
        }
        Map<Buf, Integer> readers = new IdentityHashMap<>();
        for (Instr in : p.step) {
            for (Buf b : in.reads()) {
                readers.merge(b, 1, Integer::sum);
            }
        }
        int pairs = 0;
        for (Instr in : fused.step) {
            if (in instanceof ConvDwFwd f) {
                pairs++;
                assertFalse(trained.containsKey(f.conv()) || trained.containsKey(f.dw()), f.conv().name);
                assertEquals(ConvDwFused.planeElements(f.dw()), f.plane().elements);
                assertTrue(fused.bufs.contains(f.plane()));
                for (Buf b : fused.bufs) {
                    assertFalse(b.name.equals(f.conv().output.name), "the middle tensor is gone: " + b.name);
                }
            }
        }
        assertEquals(p.step.size() - pairs, fused.step.size());
        assertEquals(p.bufs.size(), fused.bufs.size());
        int unfused = 0;
        for (Instr in : fused.step) {
            if (in instanceof ConvFwd d && d.conv().isDepthwise()) {
                ConvFwd producer = null;
                for (Instr x : fused.step) {
                    if (x instanceof ConvFwd c && c.out() == d.in() && c.conv().groups == 1) {
                        producer = c;
                    }
                }
                if (producer == null) {
                    continue;
                }
                unfused++;
                boolean reason = producer.trained() != null || producer.mask() != null || d.trained() != null
                        || d.mask() != null || readers.get(d.in()) > 1;
                assertTrue(reason, "pair " + producer.conv().name + " -> " + d.conv().name + " left unfused");
            }
        }
        assertTrue(pairs > 0 && unfused > 0, pairs + " fused, " + unfused + " unfused: the scheme trains some pairs");
    }

    /** The kernel alone against ConvKernel's two passes, on random inputs, for every pair shape of the model. */
    @Test
    void kernelEqualsTwoConvs() {
        Program p = TrainCompiler.compile(MBV2, new TrainSpec(PublishedSchemes.get("mbv2-w0.35:49kb"), 10, 3));
        SplittableRandom r = new SplittableRandom(7);
        int checked = 0;
        for (Instr in : BlockFusion.apply(p).step) {
            if (!(in instanceof ConvDwFwd f)) {
                continue;
            }
            Conv2D c = f.conv(), d = f.dw();
            byte[] x = new byte[c.input.elements()];
            r.nextBytes(x);
            ConvKernel kc = ConvKernel.of(c), kd = ConvKernel.of(d);
            Scratch.Sizer sz = new Scratch.Sizer();
            kc.reserve(sz);
            kd.reserve(sz);
            Scratch s = sz.allocate();
            byte[] e = new byte[c.output.elements()], want = new byte[d.output.elements()];
            kc.forward(x, 0, e, 0, s);
            kd.forward(e, 0, want, 0, s);
            ConvDwFused k = new ConvDwFused(c, d);
            byte[] plane = new byte[ConvDwFused.planeElements(d) + 3], got = new byte[want.length + 5];
            k.forward(x, 0, plane, 3, got, 5, new ConvDwFused.Work(k));
            assertArrayEquals(want, java.util.Arrays.copyOfRange(got, 5, got.length), c.name + " -> " + d.name);
            checked++;
        }
        assertTrue(checked >= 10, checked + " pairs");
        Program full = TrainCompiler.compile(MBV2, new TrainSpec(Scheme.resolve("full",
                TrainCompiler.backboneConvs(MBV2).size()), 10, 3));
        assertSame(full, BlockFusion.apply(full), "a fully trained network has no frozen pair");
    }
}
