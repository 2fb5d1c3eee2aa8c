package kilotrain.codegen;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.compiler.memory.DevicePipeline;
import kilotrain.compiler.memory.Variant;
import kilotrain.device.DeviceBench;
import kilotrain.importer.tflite.ModelChain;
import kilotrain.importer.tflite.OperatorModels;
import kilotrain.importer.tflite.TfliteImporter;
import kilotrain.ir.Graph;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.ReducerOptions;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operators that joined the training step (issue 22), each inside the trained part of a small network written
 * with kilotrain's own TFLite writer ({@link ModelChain}: conv, the operator(s), conv, FC classifier,
 * scheme {@code full} so that the gradient crosses every operator): the generated C trains bit for bit like Java on
 * host gcc (in the device's reordered, arena-planned order) and on QEMU's Cortex-M7.
 */
class OperatorTrainingCTest {
    static final TrainState.Options OPTIONS = new TrainState.Options(true, 0.9f, WeightRounding.STOCHASTIC,
            BiasRounding.FLOAT_SHADOW, 5);
    static final int CLASSES = 3;

    /** The chain's input: odd sizes, the input zero point at -128. */
    static ModelChain start() {
        return new ModelChain(new int[] {1, 7, 5, 3}, 0.02f, -128, 11).conv(3, 6, 0.05f, -10);
    }

    /** MEAN with the input's quantization (the truncating rule; the all-in-one network has the requantizing one). */
    static byte[] meanSameQuant() {
        return start().op(40, new int[] {1, 6}, 0.05f, -10, new int[][] {{1, 2}}, BuiltinOptions.ReducerOptions,
                b -> ReducerOptions.createReducerOptions(b, false)).classifier(CLASSES);
    }

    /** The network of every new trainable operator ({@link OperatorModels#everyTrainableOperator}). */
    static byte[] all() {
        return OperatorModels.everyTrainableOperator();
    }

    static Program program(byte[] model, String name) {
        Graph g = TfliteImporter.parse(name + ".tflite", model);
        Scheme s = Scheme.resolve("full", TrainCompiler.backboneConvs(g).size());
        return TrainCompiler.compile(g, new TrainSpec(s, CLASSES, 7, TrainSpec.Head.INT8));
    }

    static List<byte[]> inputs(Program p, int n) {
        Random r = new Random(3);
        List<byte[]> in = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[p.input.elements];
            r.nextBytes(b);
            in.add(b);
        }
        return in;
    }

    static void host(Path dir, byte[] model, String name, String gradOp) throws Exception {
        Program p = program(model, name);
        assertTrue(p.step.stream().anyMatch(i -> i.op().equals(gradOp)), name + ": the gradient crosses the operator");
        List<byte[]> in = inputs(p, 4);
        int[] labels = {0, 1, 2, 1};
        Files.createDirectories(dir);
        CGeneratorTest.check(dir, p, name + " (device order)", OPTIONS, 0.05f, 8, true, in, labels);
    }

    @Test
    void meanSameQuantizationOnHostGcc(@TempDir Path dir) throws Exception {
        host(dir, meanSameQuant(), "mean (same quantization)", "mean_grad");
    }

    @Test
    void allInOneOnHostGcc(@TempDir Path dir) throws Exception {
        Program p = program(all(), "all");
        for (String g : List.of("table_grad", "pad_grad", "transpose_grad", "stridedslice_grad", "resizenearest_grad",
                "maxpool_grad", "concat_grad", "concat_grad_acc", "mean_grad")) {
            assertTrue(p.step.stream().anyMatch(i -> i.op().equals(g)), "the gradient crosses every operator: " + g);
        }
        host(dir, all(), "all", "pad_grad");
    }

    /**
     * Per instruction (helper "trace"'s replay harness): one traced Java step of the all-in-one network, every
     * instruction of the new operator folders replayed in the generated C on host gcc and on QEMU, bit for bit.
     */
    @Test
    void everyNewInstructionReplaysOnHostAndQemu(@TempDir Path dir) {
        CBuild.requireTool("gcc");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        Program p = program(all(), "all");
        java.util.Set<String> folders = java.util.Set.of("table", "gather", "mean", "maxpool", "concat");
        java.util.function.IntPredicate ours = i -> {
            String pkg = p.step.get(i).getClass().getPackageName();
            return folders.contains(pkg.substring(pkg.lastIndexOf('.') + 1));
        };
        long n = java.util.stream.IntStream.range(0, p.step.size()).filter(ours).count();
        assertTrue(n >= 14, "forward and backward of every operator: " + n);
        kilotrain.device.InstrReplay.check(p, new TrainState(p, OPTIONS), inputs(p, 1).get(0), 2, 0.05f, ours, dir,
                kilotrain.device.InstrReplay.Target.HOST, kilotrain.device.InstrReplay.Target.QEMU);
    }

    /** The all-in-one network on the emulated Cortex-M7 (mps2-an500), device order and arena plan. */
    @Test
    void allOnEmulatedCortexM7(@TempDir Path dir) throws Exception {
        CBuild.requireTool("make");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        {
            String name = "all";
            Program p = program(all(), name);
            Path d = dir;
            TrainState state = new TrainState(p, OPTIONS);
            float lr = 0.05f;
            Variant v = DevicePipeline.lower(p, state.options(), lr, DevicePipeline.Settings.device()
                    .withFusedUpdates(false)).best();
            int steps = 6;
            List<byte[]> in = inputs(p, 4);
            int[] labels = {0, 1, 2, 1};
            CGenerator.generate(p, v.step(), v.plan(), state, lr, d);
            CGenerator.writeSamples(d, in, labels, null, steps);
            CBuild.run(d, List.of("make", "-s", "cortex-m7"), 900);
            String out = CBuild.run(d, List.of("make", "-s", "qemu"), 900);
            assertTrue(out.contains("\nend"), name + " ran to its end:\n" + CBuild.tail(out));
            CGeneratorTest.compareWithJava(p, state, lr, steps, CBuild.losses(out), CGenerator.readParams(p,
                    DeviceBench.hex(out, ParamDump.bytes(p)), "QEMU output"), CBuild.prediction(out), name + " on QEMU",
                    in, labels, null);
        }
    }
}
