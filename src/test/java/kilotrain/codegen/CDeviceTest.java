package kilotrain.codegen;

import kilotrain.compiler.memory.DevicePipeline;
import kilotrain.device.DeviceBench;
import kilotrain.device.DeviceFootprint;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.compiler.memory.ArenaPlanner;
import kilotrain.compiler.memory.Variant;
import kilotrain.program.TrainState;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.Program;
import kilotrain.compiler.Scheme;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated C built for Cortex-M7 (arm-none-eabi-gcc, 256 KB RAM / 1 MB flash linker script) and run on QEMU's
 * mps2-an500 trains MCUNet (49kb scheme) on real CIFAR-10 images bit for bit like the Java executor.
 */
class CDeviceTest {
    @BeforeAll
    static void load() {
        CGeneratorTest.load();
    }

    @Test
    void mcunet49kbOnEmulatedCortexM7(@TempDir Path dir) throws Exception {
        CBuild.requireTool("make");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        Scheme s = Scheme.resolve("mcunet-5fps:49kb", TrainCompiler.backboneConvs(CGeneratorTest.mcunet).size());
        Program p = TrainCompiler.compile(CGeneratorTest.mcunet, new TrainSpec(s, 10, 11));
        TrainState.Options options = new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 2);
        TrainState state = new TrainState(p, options);
        Variant v = DevicePipeline.lower(p, options, 0.05f, DevicePipeline.Settings.device().withFusedUpdates(false)).best();
        float lr = 0.05f;
        int steps = 5;
        CGenerator.generate(p, v.step(), v.plan(), state, lr, dir);
        CGenerator.writeSamples(dir, CGeneratorTest.INPUTS, CGeneratorTest.labels, steps);
        String build = CBuild.run(dir, List.of("make", "-s", "cortex-m7"), 900);
        String out = CBuild.run(dir, List.of("make", "-s", "qemu"), 900);
        assertTrue(out.contains("\nend"), "the device program ran to its end:\n" + CBuild.tail(out));

        CGeneratorTest.compareWithJava(p, state, lr, steps, CBuild.losses(out), CGenerator.readParams(p,
                DeviceBench.hex(out, ParamDump.bytes(p)), "QEMU output"), CBuild.prediction(out), "mcunet-5fps:49kb on QEMU");
        long ticks = DeviceBench.value(out, "ticks_per_step");
        assertTrue(ticks > 0, "ticks per step measured");
        System.out.printf("mcunet-5fps 49kb on mps2-an500: %d ticks/step, %d ticks/inference, stack %d B%n%s%n",
                ticks, DeviceBench.value(out, "ticks_per_inference"), DeviceBench.value(out, "stack_bytes"), build.trim());
    }

    /**
     * On the emulated board the loss goes down over three passes on a small batch (4 CIFAR-10 images, 10 classes),
     * bit for bit like Java: the third pass's mean loss must be below half the first's (an update that does nothing
     * keeps every sample's loss where it was). Four embedded images (49,152 B each) keep this build, the largest of
     * the tests, well inside the 1 MB of flash.
     */
    @Test
    void lossFallsOverRepeatedPassesOnDevice(@TempDir Path dir) throws Exception {
        final int samples = 4, passes = 3;
        String json = deviceBench(CGeneratorTest.SHARED.resolve("models/tiny-training/mcunet-5fps.pkl"),
                "mcunet-5fps:49kb", samples, samples * passes, "0.005", dir);
        com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        assertTrue(n.get("bit_exact").asBoolean(), json);
        com.fasterxml.jackson.databind.JsonNode l = n.get("losses");
        assertTrue(l.size() == samples * passes, json);
        double first = 0, last = 0;
        for (int i = 0; i < samples; i++) {
            first += l.get(i).asDouble();
            last += l.get((passes - 1) * samples + i).asDouble();
        }
        assertTrue(last < 0.5 * first, "mean loss of the third pass " + last / samples + " vs the first "
                + first / samples);
    }

    static String deviceBench(Path model, String scheme, int samples, int steps, String lr, Path dir)
            throws Exception {
        CBuild.requireTool("make");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        return cli("device-bench", model.toString(), "--scheme", scheme, "--classes", "10", "--steps",
                Integer.toString(steps), "--samples", Integer.toString(samples), "--lr", lr, "--data",
                CGeneratorTest.SHARED.resolve("data/cifar10").toString(), "--out", dir.toString(), "--json");
    }

    /** Runs the command line in this JVM; its standard output, the exit code required to be 0. */
    static String cli(String... args) throws Exception {
        java.io.PrintStream old = System.out;
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new java.io.PrintStream(buf, true, "UTF-8"));
            code = kilotrain.cli.Main.run(args);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString("UTF-8");
        assertTrue(code == 0, "exit " + code + ":\n" + out);
        return out;
    }

    /** The one-command path on a TFLite model: exit code 0 only when the device run is bit-exact. */
    @Test
    void deviceBenchCommandOnResnet8(@TempDir Path dir) throws Exception {
        CBuild.requireTool("make");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        java.io.PrintStream old = System.out;
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new java.io.PrintStream(buf, true, "UTF-8"));
            code = kilotrain.cli.Main.run("device-bench",
                    CGeneratorTest.SHARED.resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite").toString(),
                    "--scheme", "last-k:3", "--classes", "10", "--steps", "3", "--data",
                    CGeneratorTest.SHARED.resolve("data/cifar10").toString(), "--out", dir.toString(), "--json");
        } finally {
            System.setOut(old);
        }
        String json = buf.toString("UTF-8");
        assertTrue(code == 0 && json.contains("\"bit_exact\" : true"), "exit " + code + ":\n" + json);
        assertTrue(json.contains("\"ticks_per_step\""), json);
    }
}
