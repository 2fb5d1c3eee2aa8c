package kilotrain.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.data.DatasetSplit;
import kilotrain.data.InputSpec;
import kilotrain.data.LoadOptions;
import kilotrain.data.SampleSource;
import kilotrain.data.TestTransform;
import kilotrain.data.TrainAugment;
import kilotrain.exec.TrainExecutor;
import kilotrain.program.TrainState;
import kilotrain.importer.pkl.PklImporter;
import kilotrain.ir.Graph;
import kilotrain.model.TrainedModel;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.ops.core.Param;
import kilotrain.program.Program;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host training loop: deterministic whatever the thread count, learning, stopping on divergence. */
class TrainerTest {
    static final Path SHARED = Path.of(System.getProperty("user.dir")).resolve("../shared").normalize();
    static final Graph MCUNET = PklImporter.load(SHARED.resolve("models/tiny-training/mcunet-5fps.pkl"));
    static final DatasetSplit SMALL = DatasetSplit.open(SHARED.resolve("data/cifar10"),
            LoadOptions.defaults().withLimitPerClass(2), LoadOptions.defaults().withLimitPerClass(1));

    static TrainExecutor executor(String scheme, WeightRounding rule) {
        Scheme s = Scheme.resolve(scheme, 42);
        Program p = TrainCompiler.compile(MCUNET, new TrainSpec(s, 10, 7));
        TrainState st = new TrainState(p, new TrainState.Options(true, 0f, rule, BiasRounding.FLOAT_SHADOW, 7));
        return new TrainExecutor(p, st);
    }

    static SampleSource source(TrainAugment aug) {
        return new SampleSource(SMALL, InputSpec.of(MCUNET.input), aug, TestTransform.shorterThenCrop(147), 3);
    }

    static final Trainer.Progress QUIET = Trainer.Progress.NONE;

    static Object[] values(TrainExecutor ex) {
        List<Param> ps = ex.program().params;
        Object[] v = new Object[ps.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = ex.state().value(ps.get(i));
        }
        return v;
    }

    @Test
    void sameBitsWithOneOrTwoThreads() {
        Object[][] results = new Object[2][];
        for (int t = 1; t <= 2; t++) {
            TrainExecutor ex = executor("mcunet-5fps:49kb", WeightRounding.STOCHASTIC);
            new Trainer(ex, source(TrainAugment.standard()), new Trainer.Options(1, 0, 0.05, 8,
                    LrSchedule.Kind.CONSTANT, t, 1e4)).run(QUIET, m -> { });
            results[t - 1] = values(ex);
        }
        for (int i = 0; i < results[0].length; i++) {
            Object a = results[0][i], b = results[1][i];
            if (a instanceof byte[] x) {
                assertArrayEquals(x, (byte[]) b);
            } else if (a instanceof int[] x) {
                assertArrayEquals(x, (int[]) b);
            } else {
                assertArrayEquals((float[]) a, (float[]) b);
            }
        }
    }

    /** Records the samples reported done after each batch. */
    static final class Batches implements Trainer.Progress {
        final List<Integer> done = new java.util.ArrayList<>();
        final List<Integer> epochSamples = new java.util.ArrayList<>();

        @Override
        public void epochStart(int epoch, int totalEpochs, int samples) {
            epochSamples.add(samples);
        }

        @Override
        public void batchDone(int samplesDone, double meanLoss, double accuracy) {
            done.add(samplesDone);
        }

        @Override
        public void epochEnd(Trainer.EpochMetrics m) {
        }
    }

    @Test
    void dropLastSkipsThePartialBatchAndTheScheduleCountsOnlyWholeBatches() {
        // 20 training images, batch 8: two whole batches and one of 4
        double lr = 0.01;
        Batches all = new Batches(), whole = new Batches();
        Trainer.Options o = new Trainer.Options(1, 1, lr, 8, LrSchedule.Kind.COSINE, 2, 1e4);
        List<Trainer.EpochMetrics> hAll = new Trainer(executor("bias-only:2", WeightRounding.STOCHASTIC),
                source(TrainAugment.none()), o).run(all, m -> { });
        List<Trainer.EpochMetrics> hWhole = new Trainer(executor("bias-only:2", WeightRounding.STOCHASTIC),
                source(TrainAugment.none()), o.withDropLast(true)).run(whole, m -> { });
        assertEquals(List.of(8, 16, 20, 8, 16, 20), all.done);
        assertEquals(List.of(8, 16, 8, 16), whole.done);
        assertEquals(List.of(20, 20), all.epochSamples);
        assertEquals(List.of(16, 16), whole.epochSamples);
        // the last step of the cosine epoch: step 1 of 2 is halfway (0.5 lr), step 2 of 3 is two thirds (0.25 lr)
        assertEquals((float) (0.5 * lr), (float) hWhole.get(1).lr());
        assertEquals((float) (0.25 * lr), (float) hAll.get(1).lr(), 1e-9);
    }

    @Test
    void lossGoesDownOnRepeatedPasses() {
        TrainExecutor ex = executor("mcunet-5fps:99kb", WeightRounding.FLOAT_SHADOW);
        // full-batch gradient descent on 20 fixed images
        List<Trainer.EpochMetrics> h = new Trainer(ex, source(TrainAugment.none()), new Trainer.Options(8, 0, 0.005, 20,
                LrSchedule.Kind.CONSTANT, 2, 1e4)).run(QUIET, m -> { });
        for (int i = 1; i < h.size(); i++) {
            assertTrue(h.get(i).trainLoss() < h.get(i - 1).trainLoss(), "loss rose at epoch " + (i + 1) + ": " + h);
        }
        assertTrue(h.get(h.size() - 1).trainLoss() < 0.6 * h.get(0).trainLoss(), h.toString());
        assertTrue(h.get(h.size() - 1).trainAccuracy() >= 0.8, h.toString());
    }

    @Test
    void divergenceStopsWithAClearMessage() {
        TrainExecutor ex = executor("last-k:4", WeightRounding.FLOAT_SHADOW);
        Trainer tr = new Trainer(ex, source(TrainAugment.none()), new Trainer.Options(3, 0, 1e6, 4,
                LrSchedule.Kind.CONSTANT, 2, 50));
        Trainer.Diverged d = assertThrows(Trainer.Diverged.class, () -> tr.run(QUIET, m -> { }));
        assertTrue(d.getMessage().contains("diverged"), d.getMessage());
    }

    /** An int8 head driven to its clamp stops learning with a bounded loss; the epoch-level check still stops it. */
    @Test
    void collapsedInt8HeadStopsWithAClearMessage() {
        Program p = TrainCompiler.compile(MCUNET, new TrainSpec(Scheme.classifierOnly(), 10, 7,
                kilotrain.compiler.TrainSpec.Head.INT8));
        TrainExecutor ex = new TrainExecutor(p, new TrainState(p, new TrainState.Options(true, 0f,
                WeightRounding.STOCHASTIC, BiasRounding.FLOAT_SHADOW, 7)));
        Trainer tr = new Trainer(ex, source(TrainAugment.none()), new Trainer.Options(3, 0, 1e3, 4,
                LrSchedule.Kind.CONSTANT, 2, Trainer.explodingLoss(10)));
        Trainer.Diverged d = assertThrows(Trainer.Diverged.class, () -> tr.run(QUIET, m -> { }));
        // stopped by the epoch check: above the collapse bound, never above the per-batch explosion bound
        assertTrue(d.loss > Trainer.stalledLoss(10) && d.loss <= Trainer.explodingLoss(10), d.getMessage());
        assertTrue(d.getMessage().contains("diverged"), d.getMessage());
    }

    @Test
    void savedModelPredictsTheSame(@TempDir Path dir) throws Exception {
        TrainExecutor ex = executor("mcunet-5fps:49kb", WeightRounding.FLOAT_SHADOW);
        SampleSource src = source(TrainAugment.standard());
        new Trainer(ex, src, new Trainer.Options(1, 0, 0.05, 8, LrSchedule.Kind.CONSTANT, 2, 1e4)).run(QUIET, m -> { });
        Path base = SHARED.resolve("models/tiny-training/mcunet-5fps.pkl");
        Path file = dir.resolve("m.ktm");
        new TrainedModel("mcunet-5fps.pkl", Files.readAllBytes(base), 0, MCUNET, Scheme.resolve("mcunet-5fps:49kb", 42),
                SMALL.train().classes(), 7, ex.program(), ex.state()).save(file);
        TrainedModel back = TrainedModel.load(file);
        TrainExecutor ex2 = new TrainExecutor(back.program, back.state);
        TrainExecutor.Workspace w1 = ex.workspace(), w2 = ex2.workspace();
        byte[] in = new byte[MCUNET.input.elements()];
        float[] l1 = new float[10], l2 = new float[10];
        for (int i = 0; i < src.testSize(); i++) {
            src.fillTest(i, in);
            ex.predict(w1, in, l1);
            ex2.predict(w2, in, l2);
            assertArrayEquals(l1, l2, "test image " + i);
        }
    }
}
