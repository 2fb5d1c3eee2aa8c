package kilotrain.device;

import kilotrain.compiler.memory.ArenaPlanner;
import kilotrain.compiler.memory.DevicePipeline;
import kilotrain.compiler.memory.InPlace;
import kilotrain.compiler.memory.Reorder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import java.util.function.Supplier;
import kilotrain.codegen.CBuild;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.compiler.memory.Variant;
import kilotrain.data.DatasetSplit;
import kilotrain.data.InputSpec;
import kilotrain.data.LoadOptions;
import kilotrain.data.SampleSource;
import kilotrain.data.TestTransform;
import kilotrain.data.TrainAugment;
import kilotrain.exec.StepTrace;
import kilotrain.exec.TrainExecutor;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.ops.core.Instr;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.Program;
import kilotrain.program.TrainState;

/**
 * An operator folder's golden-vector test in one line ({@link #replayFolder}): a real training step, in the form the
 * device runs it (reordered, in-place updates, planned arena), recorded by the Java executor ({@link StepTrace}), and
 * every instruction of the folder replayed in the generated C on the host and on QEMU's Cortex-M7
 * ({@link InstrReplay}). Each step is recorded and its harness built once per test run (under
 * {@code target/replay/}), whichever folder's test asks first; the others replay their records from it.
 */
public final class ReplayCase {
    public static final Path SHARED = Path.of(System.getProperty("user.dir")).resolve("../shared").normalize();
    public static final Path RESNET = SHARED.resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite");
    /**
     * Stochastic weight rounding and float bias master copies (their generator state and copies are in the trace);
     * no momentum, whose velocity of every trained weight would not fit the board's SRAM beside ResNet-8's weights.
     */
    public static final TrainState.Options OPTIONS = new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC,
            BiasRounding.FLOAT_SHADOW, 9);
    /** Momentum and float weight master copies, on a smaller slice ({@link #INT8_HEAD}). */
    public static final TrainState.Options MOMENTUM = new TrainState.Options(true, 0.9f, WeightRounding.FLOAT_SHADOW,
            BiasRounding.NEAREST_EVEN, 3);

    /**
     * ResNet-8 (TFLite) with a new float head on 10 classes, training the biases of the last 7 convs (the classifier
     * counted), half the input channels of conv 5 and all of conv 8: forward and backward of conv (full and partial
     * weight gradients, channel saves), the residual adds, average pool, reshape, head, loss and in-place updates.
     */
    public static final String COVER = "resnet8-cover";
    /** ResNet-8 with a new int8 head, biases of the last 3 convs and a quarter of conv 8's channels, with momentum. */
    public static final String INT8_HEAD = "resnet8-int8-head-momentum";
    /** TFLite Micro's hello_world regressing sin(x) (mean squared error), its own last layer training. */
    public static final String REGRESS = "hello-world-regress";
    /**
     * The paper's MCUNet (128x128) under its published 49 KB scheme, 2 classes, the device form of the benchmark step
     * (depthwise convs, fused conv + depthwise pairs, fused weight-gradient updates): a sample of it is recorded, the
     * first {@link #SAMPLE} instructions of each kind.
     */
    public static final String MCUNET = "mcunet-49kb";
    static final int SAMPLE = 3;
    /**
     * The paper's ProxylessNAS under its 98 KB scheme, 2 classes, with every in-place kernel the memory pipeline can
     * offer ({@code InPlace.kernels} on the unfused program: frozen depthwise convs of stride 1 and 2, depthwise and
     * 1x1 input gradients), reordered with fused weight updates, in its planned arena; only the in-place kernels are
     * recorded.
     */
    public static final String IN_PLACE = "proxyless-in-place";

    /** A recorded step: its device form, the records of its instructions and the harness that replays them. */
    public record Step(String name, Program program, TrainState state, Variant variant, float lr,
            List<StepTrace.Record> records, InstrReplay harness) {
        /** Another harness of the same step, for {@code board} in QEMU. */
        public InstrReplay harness(Board board) {
            Path dir = Path.of(System.getProperty("user.dir"), "target", "replay", name + "-" + board.name());
            return InstrReplay.build(program, variant.step(), variant.plan(), state, lr, board, dir);
        }
    }

    private static final Map<String, Step> STEPS = new HashMap<>();

    private ReplayCase() {
    }

    /** The operator folder an instruction comes from ({@code kilotrain.ops.<folder>}). */
    public static String folder(Instr in) {
        String pkg = in.getClass().getPackageName();
        return pkg.substring(pkg.lastIndexOf('.') + 1);
    }

    /**
     * Replays every instruction of operator folder {@code folder} in step {@code step} ({@link #COVER},
     * {@link #INT8_HEAD}, {@link #FC}) on the host and on QEMU; fails with the first differing element of each
     * divergent output. Returns the host and QEMU results.
     */
    public static List<InstrReplay.Result> replayFolder(String step, String folder) {
        return replay(step, in -> folder(in).equals(folder));
    }

    /** The same for the instructions {@code which} accepts. */
    public static List<InstrReplay.Result> replay(String stepName, Predicate<Instr> which) {
        CBuild.requireTool("gcc");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        Step step = step(stepName);
        List<StepTrace.Record> chosen = step.records.stream().filter(r -> which.test(r.instr())).toList();
        assertFalse(chosen.isEmpty(), stepName + ": the step has no such instruction");
        List<InstrReplay.Result> out = new ArrayList<>();
        for (InstrReplay.Target t : InstrReplay.Target.values()) {
            InstrReplay.Result r = step.harness.replay(chosen, t);
            r.assertOk();
            assertEquals(chosen.size(), r.records(), "records replayed on " + t);
            System.out.printf("replay %s %s: %d instructions on %s in %.2f s (build %.1f s)%n", stepName,
                    chosen.stream().map(x -> x.instr().op()).distinct().toList(), r.records(), t, r.seconds(),
                    r.buildSeconds());
            out.add(r);
        }
        return out;
    }

    /** Step {@code name}, recorded (every instruction) and its harness generated on first use. */
    public static synchronized Step step(String name) {
        Step s = STEPS.get(name);
        if (s == null) {
            s = switch (name) {
                case COVER -> record(name, () -> resnet(new Scheme(COVER, 7, Map.of(5, 0.5, 8, 1.0), false),
                        TrainSpec.Head.FLOAT), OPTIONS);
                case INT8_HEAD -> record(name, () -> resnet(new Scheme(INT8_HEAD, 3, Map.of(8, 0.25), false),
                        TrainSpec.Head.INT8), MOMENTUM);
                case REGRESS -> record(name, () -> TrainCompiler.compile(ModelLoader.load(
                        SHARED.resolve("models/tflite-micro/hello_world_int8.tflite")),
                        TrainSpec.regress(Scheme.classifierOnly(), 1, 0)), OPTIONS);
                case MCUNET -> record(name, () -> TrainCompiler.compile(ModelLoader.load(
                        SHARED.resolve("models/tiny-training/mcunet-5fps.pkl")),
                        new TrainSpec(Scheme.resolve("mcunet-5fps:49kb", 42), 2, 5)), OPTIONS);
                case IN_PLACE -> record(name, () -> {
                    Graph g = ModelLoader.load(SHARED.resolve("models/tiny-training/proxyless-w0.3.pkl"));
                    return TrainCompiler.compile(g, new TrainSpec(Scheme.resolve("proxyless-w0.3:98kb",
                            TrainCompiler.backboneConvs(g).size()), 2, 5));
                }, OPTIONS, p -> {
                            Program k = InPlace.kernels(p, p);
                            Program f = Reorder.optimizeFused(k);
                            return Variant.of(IN_PLACE, f, f.step, true, new ArenaPlanner(500, 1));
                        }, in -> in.inPlaceScratch() != null);
                default -> throw new IllegalArgumentException("no replay step " + name);
            };
            STEPS.put(name, s);
        }
        return s;
    }

    private static Program resnet(Scheme scheme, TrainSpec.Head head) {
        return TrainCompiler.compile(ModelLoader.load(RESNET), new TrainSpec(scheme, 10, 5, false, head));
    }

    private static Step record(String name, Supplier<Program> compile, TrainState.Options options) {
        return record(name, compile, options, p -> DevicePipeline.lower(p, options, 0.02f,
                DevicePipeline.Settings.device()).best(), name.equals(MCUNET) ? null : in -> true);
    }

    /**
     * @param lower  the device form of the step to record
     * @param record which instructions to record; null: the first {@link #SAMPLE} of each kind
     */
    private static Step record(String name, Supplier<Program> compile, TrainState.Options options,
            java.util.function.Function<Program, Variant> lower, Predicate<Instr> record) {
        Program p = compile.get();
        TrainState state = new TrainState(p, options);
        Variant v = lower.apply(p);
        int[] label = {0};
        byte[] input = sample(p.forward, label);
        label[0] %= p.numClasses;
        TrainExecutor ex = new TrainExecutor(v.program().withStep(v.step()), state);
        TrainExecutor.Workspace ws = ex.arenaWorkspace(v.plan());
        float lr = 0.02f;
        float[] targets = null;
        if (p.regress()) {
            SplittableRandom r = new SplittableRandom(6);
            targets = new float[p.numClasses];
            for (int i = 0; i < targets.length; i++) {
                targets[i] = (float) r.nextDouble(-1, 1);
            }
        }
        // a first step moves the parameters and optimizer state off their initial values, the second is recorded
        List<StepTrace.Record> records = new ArrayList<>();
        StepTrace.record(ex, ws, input, label[0], targets, lr, i -> false, x -> { });
        boolean[] chosen = new boolean[v.step().size()];
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < chosen.length; i++) {
            chosen[i] = record != null ? record.test(v.step().get(i))
                    : seen.merge(v.step().get(i).op(), 1, Integer::sum) <= SAMPLE;
        }
        StepTrace.record(ex, ws, input, label[0], targets, lr, i -> chosen[i], records::add);
        assertTrue(records.stream().anyMatch(r -> !r.out().isEmpty()), name + ": the step leaves outputs");
        try {
            Path dir = Files.createDirectories(Path.of(System.getProperty("user.dir"), "target", "replay", name));
            return new Step(name, p, state, v, lr, records, InstrReplay.build(p, v.step(), v.plan(), state, lr,
                    Board.DEFAULT, dir));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A CIFAR-10 test image for an image model, random bytes otherwise; its label in {@code label[0]}. */
    private static byte[] sample(Graph g, int[] label) {
        byte[] in = new byte[g.input.elements()];
        if (g.input.shape.length == 4 && g.input.shape[3] == 3) {
            DatasetSplit split = DatasetSplit.open(SHARED.resolve("data/cifar10"),
                    LoadOptions.defaults().withLimitPerClass(1), LoadOptions.defaults().withLimitPerClass(1));
            SampleSource src = new SampleSource(split, InputSpec.of(g.input), TrainAugment.standard(),
                    TestTransform.resize(), 0);
            src.fillTest(3, in);
            label[0] = src.testLabel(3);
        } else {
            SplittableRandom r = new SplittableRandom(4);
            r.nextBytes(in);
            label[0] = 1;
        }
        return in;
    }
}
