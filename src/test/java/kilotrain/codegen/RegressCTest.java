package kilotrain.codegen;

import kilotrain.compiler.memory.DevicePipeline;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import kilotrain.compiler.Scheme;
import kilotrain.device.DeviceBench;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.ir.Graph;
import kilotrain.ir.Quant;
import kilotrain.ops.loss.MseGrad;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import kilotrain.compiler.memory.ArenaPlanner;
import kilotrain.compiler.memory.Variant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A regression program in generated C, built with the host gcc: TFLite Micro's hello_world (three fully connected
 * layers; its last one, the model's own output layer, trains) fitting sin(x) with the mean squared error. The same
 * loss bits per step, trained parameter bits and outputs as the Java executor, in the plain order and in the device's
 * reordered, arena-planned form, on host gcc and on QEMU's Cortex-M7.
 */
class RegressCTest {
    static final Path HELLO = CGeneratorTest.SHARED.resolve("models/tflite-micro/hello_world_int8.tflite");

    static Program program;
    static final List<byte[]> INPUTS = new ArrayList<>();
    static final float[][] TARGETS = new float[7][];

    @BeforeAll
    static void load() {
        Graph g = kilotrain.importer.ModelLoader.load(HELLO);
        program = TrainCompiler.compile(g, TrainSpec.regress(Scheme.classifierOnly(), 1, 0));
        Quant q = g.input.quant;
        for (int i = 0; i < TARGETS.length; i++) {
            float x = (float) (2 * Math.PI * (i + 0.3) / TARGETS.length);
            INPUTS.add(new byte[] {(byte) Math.max(-128, Math.min(127, Math.round(x / q.scale()) + q.zeroPoint()))});
            // targets off the curve, so that every step moves the parameters
            TARGETS[i] = new float[] {(float) Math.sin(x) + 0.25f};
        }
    }

    /** On the emulated Cortex-M7 (mps2-an500): the device-ordered arena program, bit for bit like Java. */
    @Test
    void helloWorldSineRegressionOnEmulatedCortexM7(@TempDir Path dir) throws Exception {
        CBuild.requireTool("make");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        Program p = program;
        TrainState state = new TrainState(p, new TrainState.Options(true, 0.9f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 5));
        Variant v = DevicePipeline.lower(p, state.options(), 0.05f, DevicePipeline.Settings.device().withFusedUpdates(false))
                .best();
        float lr = 0.05f;
        int steps = 9;
        CGenerator.generate(p, v.step(), v.plan(), state, lr, dir);
        CGenerator.writeSamples(dir, INPUTS, new int[INPUTS.size()], TARGETS, steps);
        CBuild.run(dir, List.of("make", "-s", "cortex-m7"), 900);
        String out = CBuild.run(dir, List.of("make", "-s", "qemu"), 900);
        assertTrue(out.contains("\nend"), "the device program ran to its end:\n" + CBuild.tail(out));
        CGeneratorTest.compareWithJava(p, state, lr, steps, CBuild.losses(out), CGenerator.readParams(p,
                DeviceBench.hex(out, ParamDump.bytes(p)), "QEMU output"), CBuild.prediction(out),
                "hello_world regress on QEMU", INPUTS, new int[INPUTS.size()], TARGETS);
    }

    @Test
    void helloWorldSineRegression(@TempDir Path dir) throws Exception {
        Program p = program;
        assertTrue(p.regress() && p.step.stream().anyMatch(i -> i instanceof MseGrad), "regression program");
        List<byte[]> in = INPUTS;
        float[][] targets = TARGETS;
        for (boolean device : new boolean[] {false, true}) {
            Path d = dir.resolve(device ? "device" : "plain");
            Files.createDirectories(d);
            CGeneratorTest.check(d, p, "hello_world regress" + (device ? " (device order)" : ""),
                    new TrainState.Options(true, device ? 0.9f : 0f, WeightRounding.STOCHASTIC,
                            BiasRounding.FLOAT_SHADOW, 3), 0.05f, 9, device, in, new int[in.size()], targets);
            assertTrue(Files.readString(d.resolve("kt_model.h")).contains(
                    "float kt_train_step(const int8_t *input, const float *target);"), "device API takes targets");
        }
    }
}
