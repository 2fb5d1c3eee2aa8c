package kilotrain.codegen;

import kilotrain.compiler.memory.DevicePipeline;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.compiler.memory.ArenaPlanner;
import kilotrain.compiler.memory.Variant;
import kilotrain.data.DatasetSplit;
import kilotrain.data.InputSpec;
import kilotrain.data.LoadOptions;
import kilotrain.data.SampleSource;
import kilotrain.data.TestTransform;
import kilotrain.data.TrainAugment;
import kilotrain.device.DeviceBench;
import kilotrain.ops.fc.FcFwd;
import kilotrain.ops.update.Update;
import kilotrain.program.TrainState;
import kilotrain.importer.pkl.PklImporter;
import kilotrain.ir.Graph;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.ops.core.Param;
import kilotrain.program.Program;
import kilotrain.compiler.Scheme;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated C, built with the host gcc, trains MCUNet on real CIFAR-10 images exactly like the Java executor:
 * the same loss bits at every step, the same bits of every trained parameter afterwards, the same logits.
 */
class CGeneratorTest {
    static final Path SHARED = Path.of(System.getProperty("user.dir")).resolve("../shared").normalize();
    static Graph mcunet;
    static final List<byte[]> INPUTS = new ArrayList<>();
    static int[] labels;

    @BeforeAll
    static synchronized void load() {
        if (mcunet != null) {
            return;
        }
        mcunet = PklImporter.load(SHARED.resolve("models/tiny-training/mcunet-5fps.pkl"));
        DatasetSplit split = DatasetSplit.open(SHARED.resolve("data/cifar10"),
                LoadOptions.defaults().withLimitPerClass(1), LoadOptions.defaults().withLimitPerClass(1));
        SampleSource src = new SampleSource(split, InputSpec.of(mcunet.input), TrainAugment.standard(),
                TestTransform.resize(), 0);
        int n = Math.min(5, src.testSize());
        labels = new int[n];
        for (int i = 0; i < n; i++) {
            byte[] in = new byte[mcunet.input.elements()];
            src.fillTest(i * (src.testSize() / n), in);
            INPUTS.add(in);
            labels[i] = src.testLabel(i * (src.testSize() / n));
        }
    }

    @Test
    void classifierOnly(@TempDir Path dir) throws Exception {
        check(dir, "classifier-only", new TrainState.Options(true, 0f, WeightRounding.FLOAT_SHADOW,
                BiasRounding.FLOAT_SHADOW, 0), 0.05f, 5);
    }

    @Test
    void biasOnlyWithMomentum(@TempDir Path dir) throws Exception {
        check(dir, "bias-only:12", new TrainState.Options(true, 0.9f, WeightRounding.NEAREST_EVEN,
                BiasRounding.NEAREST_EVEN, 3), 0.05f, 5);
    }

    @Test
    void scheme49kbStochastic(@TempDir Path dir) throws Exception {
        check(dir, "mcunet-5fps:49kb", new TrainState.Options(true, 0.9f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 7), 0.05f, 5);
    }

    @Test
    void scheme49kbShadowAndTruncate(@TempDir Path dir) throws Exception {
        check(dir, "mcunet-5fps:49kb", new TrainState.Options(true, 0f, WeightRounding.FLOAT_SHADOW,
                BiasRounding.FLOAT_SHADOW, 1), 0.1f, 5);
        check(dir.resolve("trunc"), "mcunet-5fps:49kb", new TrainState.Options(false, 0f,
                WeightRounding.DEVICE_TRUNCATE, BiasRounding.NEAREST_EVEN, 1), 0.01f, 5);
    }

    /** The step limit, set where it binds (QAS at lr 0.5), gives the same bits in C. */
    @Test
    void scheme49kbStepLimited(@TempDir Path dir) throws Exception {
        check(dir, "mcunet-5fps:49kb", new TrainState.Options(true, 0.9f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 7, 0.25f), 0.5f, 4);
        check(dir.resolve("shadow"), "mcunet-5fps:49kb", new TrainState.Options(true, 0f, WeightRounding.FLOAT_SHADOW,
                BiasRounding.NEAREST_EVEN, 2, 0.5f), 0.5f, 3);
    }

    /** The model's own int8 classifier kept and trained (its int8 outputs taken as float logits). */
    @Test
    void keepClassifierLastLayers(@TempDir Path dir) throws Exception {
        Scheme s = Scheme.lastK(4, TrainCompiler.backboneConvs(mcunet).size());
        Program p = TrainCompiler.compile(mcunet, new TrainSpec(s, 1000, 3, true));
        int[] big = labels.clone();
        check(dir, p, "last-k:4 keep-classifier", new TrainState.Options(true, 0f, WeightRounding.NEAREST_EVEN,
                BiasRounding.NEAREST_EVEN, 4), 0.01f, 3, false, INPUTS, big);
    }

    /** A TFLite model: fixed-point requantization, TFLite's ADD, fully connected and average pool rules. */
    @Test
    void resnet8TfliteFixedPoint(@TempDir Path dir) throws Exception {
        Graph g = kilotrain.importer.ModelLoader.load(SHARED.resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite"));
        int[] lab = new int[4];
        List<byte[]> in = cifarTestSamples(g, lab);
        int convs = TrainCompiler.backboneConvs(g).size();
        for (String scheme : new String[] {"last-k:4", "bias-only:6"}) {
            Program p = TrainCompiler.compile(g, new TrainSpec(Scheme.resolve(scheme, convs), 10, 5));
            check(dir.resolve(scheme.replace(':', '_')), p, "resnet8 " + scheme, new TrainState.Options(true, 0.9f,
                    WeightRounding.STOCHASTIC, BiasRounding.FLOAT_SHADOW, 9), 0.02f, 6, scheme.startsWith("last"),
                    in, lab);
        }
    }

    /** Fully connected layers inside the backbone (TFLite anomaly-detection autoencoder), on random int8 inputs. */
    @Test
    void fullyConnectedBackbone(@TempDir Path dir) throws Exception {
        Graph g = kilotrain.importer.ModelLoader.load(SHARED.resolve("models/mlperf-tiny/ad01_int8.tflite"));
        java.util.SplittableRandom r = new java.util.SplittableRandom(4);
        List<byte[]> in = new ArrayList<>();
        int[] lab = new int[3];
        for (int i = 0; i < lab.length; i++) {
            byte[] b = new byte[g.input.elements()];
            r.nextBytes(b);
            in.add(b);
            lab[i] = r.nextInt(4);
        }
        Program p = TrainCompiler.compile(g, new TrainSpec(Scheme.classifierOnly(), 4, 2));
        assertTrue(p.step.stream().anyMatch(x -> x instanceof FcFwd), "the step runs fully connected layers");
        check(dir, p, "ad01 classifier-only", new TrainState.Options(true, 0.9f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 1), 0.05f, 4, true, in, lab);
    }

    /** The device's form: reordered step with in-place updates, every transient buffer in the planned arena. */
    @Test
    void scheme49kbReorderedInArena(@TempDir Path dir) throws Exception {
        check(dir, "mcunet-5fps:49kb", new TrainState.Options(true, 0.9f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 5), 0.05f, 5, true);
    }

    /** Every other CIFAR-10 test image (one per class loaded), as g's input; fills {@code labels}. */
    static List<byte[]> cifarTestSamples(Graph g, int[] labels) {
        DatasetSplit split = DatasetSplit.open(SHARED.resolve("data/cifar10"),
                LoadOptions.defaults().withLimitPerClass(1), LoadOptions.defaults().withLimitPerClass(1));
        SampleSource src = new SampleSource(split, InputSpec.of(g.input), TrainAugment.standard(),
                TestTransform.resize(), 0);
        List<byte[]> in = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            byte[] b = new byte[g.input.elements()];
            src.fillTest(i * 2, b);
            in.add(b);
            labels[i] = src.testLabel(i * 2);
        }
        return in;
    }

    static void check(Path dir, String scheme, TrainState.Options options, float lr, int steps) throws Exception {
        check(dir, scheme, options, lr, steps, false);
    }

    static void check(Path dir, String scheme, TrainState.Options options, float lr, int steps, boolean device)
            throws Exception {
        Scheme s = Scheme.resolve(scheme, TrainCompiler.backboneConvs(mcunet).size());
        check(dir, TrainCompiler.compile(mcunet, new TrainSpec(s, 10, 11)), scheme, options, lr, steps, device,
                INPUTS, labels);
    }

    static void check(Path dir, Program p, String scheme, TrainState.Options options, float lr, int steps,
            boolean device, List<byte[]> inputs, int[] labels) throws Exception {
        check(dir, p, scheme, options, lr, steps, device, inputs, labels, null);
    }

    /** The same; a regression program ({@code targets} not null) trains on the samples' float targets. */
    static void check(Path dir, Program p, String scheme, TrainState.Options options, float lr, int steps,
            boolean device, List<byte[]> inputs, int[] labels, float[][] targets) throws Exception {
        CBuild.requireTool("gcc");
        CBuild.requireTool("make");
        TrainState state = new TrainState(p, options);
        if (device) {
            Variant v = DevicePipeline.lower(p, options, lr, DevicePipeline.Settings.device().withFusedUpdates(false)).best();
            assertTrue(v.step().stream().anyMatch(in -> in instanceof Update), "reordered step has updates");
            CGenerator.generate(p, v.step(), v.plan(), state, lr, dir);
            assertTrue(Files.readString(dir.resolve("kt_model.c")).contains("kt_arena["), "arena declared");
        } else {
            CGenerator.generate(p, state, lr, dir);
        }
        CBuild.run(dir, List.of("make", "-s", "kt_host"), 600);
        if (p.targetKind() == kilotrain.ops.loss.TargetKind.INT8) {
            CBuild.writeInt8TargetSamples(dir.resolve("samples.bin"), inputs, targets);
        } else if (targets != null) {
            CBuild.writeSamples(dir.resolve("samples.bin"), inputs, targets);
        } else {
            CBuild.writeSamples(dir.resolve("samples.bin"), inputs, labels);
        }
        String out = CBuild.run(dir, List.of("./kt_host", "samples.bin", Integer.toString(steps), "params.bin"), 600);

        Object[] cParams = CGenerator.readParams(p, Files.readAllBytes(dir.resolve("params.bin")), "params.bin");
        compareWithJava(p, state, lr, steps, CBuild.losses(out), cParams, CBuild.prediction(out), scheme, inputs,
                labels, targets);
    }

    /**
     * Runs the Java twin (TrainExecutor.step, then TrainState.learnSample: an update every device batch) on the same samples
     * and asserts the C run's loss bits per step, every trained parameter and the final logits of sample 0 are equal.
     */
    static void compareWithJava(Program p, TrainState state, float lr, int steps, List<Integer> cLoss,
            Object[] cParams, int[] cPred, String scheme) {
        compareWithJava(p, state, lr, steps, cLoss, cParams, cPred, scheme, INPUTS, labels);
    }

    static void compareWithJava(Program p, TrainState state, float lr, int steps, List<Integer> cLoss,
            Object[] cParams, int[] cPred, String scheme, List<byte[]> inputs, int[] labels) {
        compareWithJava(p, state, lr, steps, cLoss, cParams, cPred, scheme, inputs, labels, null);
    }

    /** The same; a regression program ({@code targets} not null) steps on the samples' float targets. */
    static void compareWithJava(Program p, TrainState state, float lr, int steps, List<Integer> cLoss,
            Object[] cParams, int[] cPred, String scheme, List<byte[]> inputs, int[] labels, float[][] targets) {
        String diff = DeviceBench.compare(p, state, lr, steps, inputs, labels, targets, cLoss, cParams, cPred);
        assertNull(diff, scheme + ": " + diff);
        int changed = 0;
        for (Param q : p.params) {
            Object j = state.value(q);
            changed += j instanceof byte[] b ? (java.util.Arrays.equals(b, (byte[]) q.initial) ? 0 : 1)
                    : j instanceof int[] b ? (java.util.Arrays.equals(b, (int[]) q.initial) ? 0 : 1)
                    : java.util.Arrays.equals((float[]) j, (float[]) q.initial) ? 0 : 1;
        }
        assertTrue(changed > 0, scheme + ": training changed no parameter, the comparison proves nothing");
    }
}
