package kilotrain.compiler.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.exec.TrainExecutor;
import kilotrain.ops.conv.ConvWeightUpdate;
import kilotrain.ops.update.Update;
import kilotrain.program.TrainState;
import kilotrain.importer.pkl.PklImporter;
import kilotrain.ir.Graph;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.Param;
import kilotrain.program.Program;
import kilotrain.compiler.PublishedSchemes;
import org.junit.jupiter.api.Test;

/** The reordered step computes exactly what the compiler's order computes: same losses and parameters, bit for bit. */
class ReorderResultsTest {
    static final Path SHARED = Path.of(System.getProperty("user.dir")).resolve("../shared").normalize();
    static final Graph MCUNET = PklImporter.load(SHARED.resolve("models/tiny-training/mcunet-5fps.pkl"));

    static Program compile(String scheme) {
        return TrainCompiler.compile(MCUNET, new TrainSpec(PublishedSchemes.get(scheme), 10, 3));
    }

    static TrainState state(Program p) {
        return new TrainState(p, new TrainState.Options(true, 0.9f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 5));
    }

    /** Batch-1 training with the deferred update; returns the losses, leaves the parameters in the state. */
    static float[] train(TrainExecutor ex, int steps) {
        Program p = ex.program();
        TrainExecutor.Workspace ws = ex.workspace();
        float[][] g = new float[p.params.size()][];
        for (int i = 0; i < g.length; i++) {
            g[i] = new float[p.params.get(i).value.elements];
        }
        SplittableRandom rnd = new SplittableRandom(11);
        float[] losses = new float[steps];
        byte[] input = new byte[p.input.elements];
        for (int s = 0; s < steps; s++) {
            for (int i = 0; i < input.length; i++) {
                input[i] = (byte) rnd.nextInt(256);
            }
            losses[s] = ex.step(ws, input, rnd.nextInt(10));
            ex.copyGradients(ws, g);
            ex.state().apply(g, 1, 0.05f);
        }
        return losses;
    }

    static void assertSameParameters(TrainState a, TrainState b) {
        for (Param q : a.program().params) {
            Object x = a.value(q), y = b.value(b.program().params.get(a.program().params.indexOf(q)));
            if (x instanceof byte[] u) {
                assertArrayEquals(u, (byte[]) y, q.name);
            } else if (x instanceof int[] u) {
                assertArrayEquals(u, (int[]) y, q.name);
            } else {
                assertArrayEquals((float[]) x, (float[]) y, q.name);
            }
        }
    }

    @Test
    void reorderedStepTrainsBitIdentically() {
        Program p = compile("mcunet-5fps:49kb");
        List<Instr> reordered = new ArrayList<>();
        for (Instr in : Reorder.optimize(p)) {
            if (!(in instanceof Update)) {
                reordered.add(in);
            }
        }
        assertNotEquals(p.step, reordered, "the pass moved nothing");
        assertEquals(p.step.size(), reordered.size());
        Program q = p.withStep(reordered);
        TrainExecutor a = new TrainExecutor(p, state(p)), b = new TrainExecutor(q, state(q));
        float[] la = train(a, 4), lb = train(b, 4);
        assertArrayEquals(la, lb);
        assertSameParameters(a.state(), b.state());
        // and training did change something
        TrainState fresh = state(p);
        boolean moved = false;
        for (Param r : p.params) {
            if (r.role == Param.Role.CONV_BIAS) {
                moved |= !java.util.Arrays.equals((int[]) fresh.value(r), (int[]) a.state().value(r));
            }
        }
        assertTrue(moved, "no conv bias changed in 4 steps");
    }
    /** Batch-1 training of a program that updates in place; returns the losses. */
    static float[] trainInPlace(TrainExecutor ex, int steps) {
        Program p = ex.program();
        TrainExecutor.Workspace ws = ex.workspace();
        SplittableRandom rnd = new SplittableRandom(11);
        float[] losses = new float[steps];
        byte[] input = new byte[p.input.elements];
        for (int s = 0; s < steps; s++) {
            for (int i = 0; i < input.length; i++) {
                input[i] = (byte) rnd.nextInt(256);
            }
            losses[s] = ex.step(ws, input, rnd.nextInt(10), 0.05f);
        }
        return losses;
    }

    @Test
    void inPlaceAndFusedUpdatesTrainBitIdentically() {
        // 148kb: conv 36's whole weight gradient would set the peak, so the planner keeps its update fused
        Program p = compile("mcunet-5fps:148kb");
        Program inPlace = p.withStep(Reorder.optimize(p));
        Program fused = Reorder.optimizeFused(p);
        assertTrue(inPlace.step.stream().anyMatch(in -> in instanceof Update));
        assertTrue(fused.step.stream().anyMatch(in -> in instanceof ConvWeightUpdate));
        TrainExecutor deferred = new TrainExecutor(p, state(p));
        TrainExecutor a = new TrainExecutor(inPlace, state(inPlace));
        TrainExecutor b = new TrainExecutor(fused, state(fused));
        float[] ld = train(deferred, 3);
        assertArrayEquals(ld, trainInPlace(a, 3));
        assertArrayEquals(ld, trainInPlace(b, 3));
        assertSameParameters(deferred.state(), a.state());
        assertSameParameters(deferred.state(), b.state());
        // a program that updates in place cannot run without a learning rate
        assertThrows(IllegalStateException.class, () -> a.step(a.workspace(), new byte[p.input.elements], 0));
    }
}
