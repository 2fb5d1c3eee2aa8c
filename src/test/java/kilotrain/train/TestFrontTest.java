package kilotrain.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.data.SampleSource;
import kilotrain.data.TrainAugment;
import kilotrain.exec.TrainExecutor;
import kilotrain.program.TrainState;
import kilotrain.ir.Graph;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.Program;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Evaluating from the test images' frozen front gives the whole forward pass's logits bit for bit. */
class TestFrontTest {

    @ParameterizedTest
    @ValueSource(strings = {"mcunet-5fps:99kb", "classifier-only", "bias-only:5", "last-k:3"})
    void mcunetLogitsAreThoseOfTheWholePass(String scheme) {
        TrainExecutor ex = trained(TrainerTest.MCUNET, Scheme.resolve(scheme, 42), TrainSpec.Head.FLOAT,
                TrainerTest.source(TrainAugment.standard()));
        TestFront f = TestFront.of(ex.program(), TrainerTest.source(TrainAugment.none()), Long.MAX_VALUE);
        assertNotNull(f, scheme);
        assertTrue(f.frozenConvs() >= 20, scheme + ": only " + f.frozenConvs() + " convs frozen");
        sameLogits(ex, f, TrainerTest.source(TrainAugment.none()));
    }

    @Test
    void resnetCutMovesBeforeTheResidualBranch() {
        Graph g = FrozenPrefixTest.RESNET;
        SampleSource src = FrozenPrefixTest.cifar(g);
        TrainExecutor ex = trained(g, new Scheme("t", 3, Map.of(7, 0.5, 8, 1.0), false), TrainSpec.Head.INT8, src);
        TestFront f = TestFront.of(ex.program(), src, Long.MAX_VALUE);
        assertNotNull(f);
        assertEquals(6, f.frozenConvs(), "conv 8 and the add read the block input across conv 7's input");
        sameLogits(ex, f, src);
    }

    @Test
    void noFrontWhenTheFirstConvTrainsOrTheCacheWouldNotFit() {
        SampleSource src = TrainerTest.source(TrainAugment.none());
        Program full = TrainCompiler.compile(TrainerTest.MCUNET, new TrainSpec(Scheme.full(), 10, 7));
        assertNull(TestFront.of(full, src, Long.MAX_VALUE));
        Program p = TrainCompiler.compile(TrainerTest.MCUNET, new TrainSpec(Scheme.resolve("mcunet-5fps:99kb", 42),
                10, 7));
        assertNull(TestFront.of(p, src, 100));
    }

    @Test
    void trainerAccuracyIsTheSameWithOrWithoutTheFrontAndEarlierEvaluations() {
        double[] acc = new double[3];
        for (int k = 0; k < 3; k++) {
            TrainExecutor ex = executor(TrainerTest.MCUNET, Scheme.resolve("mcunet-5fps:49kb", 42),
                    TrainSpec.Head.FLOAT);
            Trainer t = new Trainer(ex, TrainerTest.source(TrainAugment.standard()),
                    new Trainer.Options(2, 0, 0.05, 8, LrSchedule.Kind.CONSTANT, 2, 1e4).withReuseFrozenTest(k != 1)
                            .withTestLastEpochOnly(k == 2));
            List<Trainer.EpochMetrics> h = t.run(Trainer.Progress.NONE, m -> { });
            assertEquals(k == 2, Double.isNaN(h.get(0).testAccuracy()), "run " + k + ", epoch 1");
            acc[k] = h.get(1).testAccuracy();
        }
        assertEquals(acc[1], acc[0]);
        assertEquals(acc[1], acc[2]);
    }

    private static void sameLogits(TrainExecutor ex, TestFront f, SampleSource src) {
        // separate workspaces: a buffer the front's pass failed to write must not hold the whole pass's value
        TrainExecutor.Workspace wsWhole = ex.workspace(), wsFront = ex.workspace();
        byte[] in = new byte[ex.program().input.elements];
        byte[] buffer = f.newBuffer();
        int classes = ex.program().numClasses;
        for (int i = 0; i < src.testSize(); i++) {
            float[] whole = new float[classes], front = new float[classes];
            src.fillTest(i, in);
            int b = f.predict(ex, wsFront, i, buffer, front);
            int a = ex.predict(wsWhole, in, whole);
            assertEquals(a, b, "test image " + i);
            assertArrayEquals(whole, front, "test image " + i);
        }
    }

    private static TrainExecutor executor(Graph g, Scheme s, TrainSpec.Head head) {
        Program p = TrainCompiler.compile(g, new TrainSpec(s, 10, 7, head));
        TrainState st = new TrainState(p, new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 7));
        return new TrainExecutor(p, st);
    }

    /** An executor whose parameters moved from their initial values (one epoch), so a stale front would show. */
    private static TrainExecutor trained(Graph g, Scheme s, TrainSpec.Head head, SampleSource src) {
        TrainExecutor ex = executor(g, s, head);
        new Trainer(ex, src, new Trainer.Options(1, 0, 0.05, 4, LrSchedule.Kind.CONSTANT, 2, 1e4).withReuseFrozenTest(false))
                .run(Trainer.Progress.NONE, m -> { });
        return ex;
    }
}
