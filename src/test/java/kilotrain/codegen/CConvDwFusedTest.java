package kilotrain.codegen;

import kilotrain.compiler.memory.DevicePipeline;
import kilotrain.device.DeviceBench;
import kilotrain.device.DeviceFootprint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.compiler.memory.ArenaPlanner;
import kilotrain.compiler.memory.BlockFusion;
import kilotrain.compiler.memory.Reorder;
import kilotrain.compiler.memory.Variant;
import kilotrain.data.DatasetSplit;
import kilotrain.data.InputSpec;
import kilotrain.data.LoadOptions;
import kilotrain.data.SampleSource;
import kilotrain.data.TestTransform;
import kilotrain.data.TrainAugment;
import kilotrain.program.TrainState;
import kilotrain.importer.pkl.PklImporter;
import kilotrain.ir.Graph;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.Program;
import kilotrain.compiler.PublishedSchemes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fused conv + depthwise kernel ({@code kt_conv_dw_fwd}) in generated C: the device's program (fused pairs,
 * reordered, in-place updates, every buffer in the planned arena) trains on real CIFAR-10 images bit for bit like the
 * Java executor's unfused compiler order, on the host and (MobileNetV2, which only now fits 256 KB) on QEMU.
 */
class CConvDwFusedTest {
    static Graph mbv2;
    static final List<byte[]> INPUTS = new ArrayList<>();
    static int[] labels;

    @BeforeAll
    static void load() {
        CGeneratorTest.load();
        mbv2 = PklImporter.load(CGeneratorTest.SHARED.resolve("models/tiny-training/mbv2-w0.35.pkl"));
        DatasetSplit split = DatasetSplit.open(CGeneratorTest.SHARED.resolve("data/cifar10"),
                LoadOptions.defaults().withLimitPerClass(1), LoadOptions.defaults().withLimitPerClass(1));
        SampleSource src = new SampleSource(split, InputSpec.of(mbv2.input), TrainAugment.standard(),
                TestTransform.resize(), 0);
        int n = 4;
        labels = new int[n];
        for (int i = 0; i < n; i++) {
            byte[] in = new byte[mbv2.input.elements()];
            src.fillTest(i * (src.testSize() / n), in);
            INPUTS.add(in);
            labels[i] = src.testLabel(i * (src.testSize() / n));
        }
    }

    static Program compile(Graph g, String scheme) {
        return TrainCompiler.compile(g, new TrainSpec(PublishedSchemes.get(scheme), 10, 11));
    }

    @Test
    void mbv2On49kbHost(@TempDir Path dir) throws Exception {
        host(dir, compile(mbv2, "mbv2-w0.35:49kb"), "mbv2-w0.35:49kb", INPUTS, labels);
    }

    @Test
    void mcunetOn99kbHost(@TempDir Path dir) throws Exception {
        host(dir, compile(CGeneratorTest.mcunet, "mcunet-5fps:99kb"), "mcunet-5fps:99kb", CGeneratorTest.INPUTS,
                CGeneratorTest.labels);
    }

    /**
     * Every frozen pair fused (the device keeps only those that hold its peak down, see
     * {@link BlockFusion#unfuseWhereFree}; here all of them run, so every pair shape of the model goes through the C
     * kernel), reordered with in-place updates, in the planned arena.
     */
    static Variant allFused(Program p) {
        Program f = BlockFusion.apply(p);
        return Variant.of("all-fused", f, Reorder.optimize(f), true, new ArenaPlanner());
    }

    static void host(Path dir, Program p, String scheme, List<byte[]> inputs, int[] labels) throws Exception {
        CBuild.requireTool("gcc");
        CBuild.requireTool("make");
        TrainState.Options o = new TrainState.Options(true, 0.9f, WeightRounding.STOCHASTIC, BiasRounding.FLOAT_SHADOW,
                5);
        TrainState state = new TrainState(p, o);
        Variant v = allFused(p);
        int fused = BlockFusion.count(v.step());
        assertTrue(fused >= 6, scheme + ": " + fused + " fused pairs");
        float lr = 0.05f;
        int steps = 4;
        CGenerator.generate(p, v.step(), v.plan(), state, lr, dir);
        // each fused pair is called once in the training step and once in kt_predict
        String c = Files.readString(dir.resolve("kt_model.c"));
        assertEquals(2 * fused, c.split("kt_conv_dw_fwd\\(", -1).length - 1, scheme);
        CBuild.run(dir, List.of("make", "-s", "kt_host"), 600);
        CBuild.writeSamples(dir.resolve("samples.bin"), inputs, labels);
        String out = CBuild.run(dir, List.of("./kt_host", "samples.bin", Integer.toString(steps), "params.bin"), 600);
        Object[] cParams = CGenerator.readParams(p, Files.readAllBytes(dir.resolve("params.bin")), "params.bin");
        CGeneratorTest.compareWithJava(p, state, lr, steps, CBuild.losses(out), cParams, CBuild.prediction(out),
                scheme, inputs, labels);
    }

    /** Copies the kernel sources and the random test of {@code kt_conv_dw_fwd} (a test resource) into dir. */
    static void fusedTestSources(Path dir) throws Exception {
        for (String r : new String[] {"kt_kernels.h", "kt_kernels.c", "kt_fused.h", "kt_fused.c", "kt_selftest.h",
                "kt_print.h", "kt_cm7.h", "kt_cm7.ld", "kt_cm7_startup.c"}) {
            Files.writeString(dir.resolve(r), CGenerator.resource(r));
        }
        try (var in = CConvDwFusedTest.class.getResourceAsStream("/kilotrain/c/kt_fused_test.c")) {
            Files.write(dir.resolve("kt_fused_test.c"), in.readAllBytes());
        }
    }

    static final List<String> FLAGS = List.of("-std=c99", "-Wall", "-Wextra", "-Werror", "-ffp-contract=off",
            "-fno-fast-math", "-fno-strict-aliasing", "-O2");

    /** kt_conv_dw_fwd against the reference path run twice, on random geometries and output stages (host gcc). */
    @Test
    void randomPairsMatchReferenceOnHost(@TempDir Path dir) throws Exception {
        CBuild.requireTool("gcc");
        fusedTestSources(dir);
        List<String> cc = new ArrayList<>(List.of("gcc"));
        cc.addAll(FLAGS);
        cc.addAll(List.of("-o", "kt_fused_test", "kt_fused_test.c", "kt_fused.c", "kt_kernels.c"));
        CBuild.run(dir, cc, 300);
        String out = CBuild.run(dir, List.of("./kt_fused_test"), 300);
        assertTrue(out.contains("fused-test ok "), out);
    }

    /** The same on the emulated Cortex-M7, where the SXTB16/SMLAD paths run. */
    @Test
    void randomPairsMatchReferenceOnCortexM7(@TempDir Path dir) throws Exception {
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        fusedTestSources(dir);
        List<String> cc = new ArrayList<>(List.of("arm-none-eabi-gcc"));
        cc.addAll(FLAGS);
        cc.addAll(List.of("-mcpu=cortex-m7", "-mthumb", "-mfpu=fpv5-sp-d16", "-mfloat-abi=hard", "-ffunction-sections",
                "-fdata-sections", "-DKT_ON_DEVICE", "-T", "kt_cm7.ld", "-nostartfiles", "--specs=nano.specs",
                "-Wl,--gc-sections", "-o", "kt_fused_test.elf", "kt_fused_test.c", "kt_cm7_startup.c", "kt_fused.c",
                "kt_kernels.c", "-lc", "-lgcc"));
        CBuild.run(dir, cc, 300);
        String out = CBuild.run(dir, List.of("qemu-system-arm", "-M", "mps2-an500", "-nographic",
                "-semihosting-config", "enable=on,target=native", "-icount", "shift=0", "-kernel",
                "kt_fused_test.elf"), 300);
        assertTrue(out.contains("fused-test ok "), out);
    }

    /** The device keeps only the pairs that hold its peak down, with no larger an arena than fusing all of them. */
    @Test
    void deviceKeepsOnlyNeededPairs() {
        for (String scheme : new String[] {"mbv2-w0.35:49kb", "mbv2-w0.35:138kb"}) {
            Program p = compile(mbv2, scheme);
            Variant best = DevicePipeline.lower(p, new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC,
                    BiasRounding.FLOAT_SHADOW, 0), 0f, DevicePipeline.Settings.device()).best();
            Program all = Reorder.optimizeFused(BlockFusion.apply(p));
            Variant allFused = Variant.of("all", all, all.step, true, new ArenaPlanner());
            int kept = BlockFusion.count(best.step()), every = BlockFusion.count(all.step);
            assertTrue(kept >= 1 && kept < every, scheme + ": " + kept + " of " + every + " pairs kept");
            assertTrue(best.plan().arenaBytes() <= allFused.plan().arenaBytes(),
                    scheme + ": " + best.plan().arenaBytes() + " vs " + allFused.plan().arenaBytes());
        }
    }

    /**
     * MobileNetV2 49kb on the emulated Cortex-M7 with every frozen pair fused (the DSP paths of every pair shape):
     * links in 256 KB RAM, bit-exact.
     */
    @Test
    void mbv2On49kbQemu(@TempDir Path dir) throws Exception {
        CBuild.requireTool("make");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        Program p = compile(mbv2, "mbv2-w0.35:49kb");
        TrainState.Options options = new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 2);
        TrainState state = new TrainState(p, options);
        Variant v = allFused(p);
        assertTrue(BlockFusion.count(v.step()) >= 6);
        float lr = 0.05f;
        int steps = 4;
        CGenerator.generate(p, v.step(), v.plan(), state, lr, dir);
        CGenerator.writeSamples(dir, INPUTS, labels, steps);
        String build = CBuild.run(dir, List.of("make", "-s", "cortex-m7"), 900);
        String out = CBuild.run(dir, List.of("make", "-s", "qemu"), 900);
        assertTrue(out.contains("\nend"), "the device program ran to its end:\n" + CBuild.tail(out));
        CGeneratorTest.compareWithJava(p, state, lr, steps, CBuild.losses(out), CGenerator.readParams(p,
                DeviceBench.hex(out, ParamDump.bytes(p)), "QEMU output"), CBuild.prediction(out), "mbv2-w0.35:49kb on QEMU", INPUTS,
                labels);
        System.out.printf("mbv2-w0.35 49kb on mps2-an500: %d ticks/step, %d ticks/inference, stack %d B%n%s%n",
                DeviceBench.value(out, "ticks_per_step"), DeviceBench.value(out, "ticks_per_inference"),
                DeviceBench.value(out, "stack_bytes"), build.trim());
    }
}
