package kilotrain.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import kilotrain.KtException;
import kilotrain.codegen.DeviceBench;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.data.DatasetSplit;
import kilotrain.data.LoadOptions;
import kilotrain.data.SampleSource;
import kilotrain.data.TestTransform;
import kilotrain.data.TrainAugment;
import kilotrain.program.TrainState;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.program.Program;
import kilotrain.compiler.Scheme;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Compile, build for Cortex-M7, train in QEMU and compare with the Java executor, in one command. */
@Command(name = "device-bench", mixinStandardHelpOptions = true,
        description = "Build the training step for Cortex-M7, train K steps on real samples in QEMU (mps2-an500, "
                + "-icount shift=0) and compare every bit with the Java executor: ticks per step and per inference, "
                + "SRAM and flash use, bit_exact. One SysTick tick = 40 emulated instructions (25 MHz at 1 ns each).")
final class DeviceBenchCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Model file (.tflite or the paper's .pkl).")
    Path model;

    @Option(names = "--scheme", defaultValue = "classifier-only", description = "Sparse-update scheme (see train).")
    String scheme;

    @Option(names = "--classes", defaultValue = "10", description = "Classes of the new head (default ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = "--steps", defaultValue = "5", description = "Training steps on the device (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--samples", defaultValue = "4",
            description = "Distinct images embedded in the device program (flash); the steps cycle over them "
                    + "(default ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--data", description = "Dataset folder whose test images are embedded (default: ../shared/data/cifar10).")
    Path data;

    @Option(names = "--lr", defaultValue = "0.025", description = "Learning rate (default ${DEFAULT-VALUE}).")
    float lr;

    @Mixin
    OptimizerOption optimizer;

    @Option(names = "--out", description = "Keep the C project here (default: a temporary folder).")
    Path out;

    @Option(names = "--timeout", defaultValue = "1800", description = "Seconds allowed for building and for QEMU.")
    long timeout;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Option(names = "--fuse-blocks", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Fused frozen conv + depthwise pairs, as compile plans them (default; --no-fuse-blocks to "
                    + "compare).")
    boolean fuseBlocks;

    @Mixin
    StepOptions step;

    /** The measured figures under their JSON keys (device-bench --json, train's device.json). */
    static void putResult(ObjectNode o, DeviceBench.Result r, Path project) {
        o.put("ticks_per_step", r.ticksPerStep());
        o.put("ticks_per_inference", r.ticksPerInference());
        o.put("sram_bytes", r.sramBytes());
        o.put("flash_bytes", r.flashBytes());
        o.put("sample_flash_bytes", r.sampleFlashBytes());
        o.put("data_bytes", r.dataBytes());
        o.put("bss_bytes", r.bssBytes());
        o.put("stack_bytes", r.stackBytes());
        o.put("bit_exact", r.bitExact());
        if (r.mismatch() != null) {
            o.put("mismatch", r.mismatch());
        }
        ArrayNode l = o.putArray("losses");
        for (float f : r.losses()) {
            l.add(f);
        }
        o.put("project", project.toString());
    }

    @Override
    public Integer call() throws Exception {
        Checks.classes("--classes", classes);
        Checks.positive("--lr", lr);
        Checks.atLeast("--timeout", timeout, 1);
        Checks.outFolder("--out", out);
        Checks.atLeast("--samples", samples, 1);
        Checks.atLeast("--steps", steps, 1);
        TrainState.Options options = step.rules.options(true, optimizer.momentum(), 0);
        Graph g = ModelLoader.load(model);
        Scheme s = Scheme.resolve(scheme, TrainCompiler.backboneConvs(g).size());
        Program p = TrainCompiler.compile(g, new TrainSpec(s, classes, 0, step.head.resolve(g)));
        Path dataDir = data != null ? data
                : Path.of(System.getProperty("user.dir")).resolve("../shared/data/cifar10").normalize();
        DatasetSplit split = DatasetSplit.open(dataDir, LoadOptions.defaults().withLimitPerClass(1),
                LoadOptions.defaults().withLimitPerClass(2));
        SampleSource src = new SampleSource(split, step.input.spec(g.input), TrainAugment.standard(),
                TestTransform.resize(), 0);
        List<byte[]> inputs = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int i = 0; i < src.testSize() && inputs.size() < Math.min(steps, samples); i++) {
            if (src.testLabel(i) < classes) {
                byte[] b = new byte[g.input.elements()];
                src.fillTest(i, b);
                inputs.add(b);
                labels.add(src.testLabel(i));
            }
        }
        if (inputs.isEmpty()) {
            throw new KtException("dataset " + dataDir + " has no test sample with a label below --classes " + classes);
        }
        int[] lab = labels.stream().mapToInt(Integer::intValue).toArray();
        Path dir = out != null ? out : Files.createTempDirectory("kilotrain-device");
        Files.createDirectories(dir);
        DeviceBench.Result r = DeviceBench.run(p, options, lr, inputs, lab, steps, dir, timeout, fuseBlocks);
        if (json) {
            ObjectNode o = Json.object();
            o.put("model", model.toString());
            o.put("scheme", s.name);
            o.put("classes", classes);
            o.put("steps", steps);
            putResult(o, r, dir);
            System.out.println(Json.write(o));
        } else {
            System.out.printf("%s, scheme %s, %d classes, %d steps on QEMU mps2-an500 (Cortex-M7, -icount shift=0)%n",
                    model, s.name, classes, steps);
            System.out.printf("ticks_per_step %d%nticks_per_inference %d%n", r.ticksPerStep(), r.ticksPerInference());
            System.out.printf("sram_bytes %d (data %d + bss %d + peak stack %d)%nflash_bytes %d (+ %d of embedded "
                    + "sample images)%n", r.sramBytes(), r.dataBytes(), r.bssBytes(), r.stackBytes(), r.flashBytes(),
                    r.sampleFlashBytes());
            System.out.printf("bit_exact %b%s%n", r.bitExact(), r.mismatch() == null ? "" : " (" + r.mismatch() + ")");
            System.out.printf("losses %s%nproject %s%n", java.util.Arrays.toString(r.losses()), dir);
        }
        return r.bitExact() ? 0 : 1;
    }
}
