package kilotrain.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.compiler.memory.DevicePipeline;
import kilotrain.compiler.memory.Variant;
import kilotrain.exec.TrainExecutor;
import kilotrain.importer.tflite.TfliteImporter;
import kilotrain.importer.tflite.TrainableOpModels;
import kilotrain.ir.Graph;
import kilotrain.ops.activation.PreluBwd;
import kilotrain.ops.elementwise.BinaryBwd;
import kilotrain.ops.table.TableBwd;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.Program;
import kilotrain.program.TrainState;

/**
 * The activations (RELU, RELU6, LEAKY_RELU, HARD_SWISH, LOGISTIC, TANH: table operators, {@code ops/table}), PRELU,
 * MUL, SUB and broadcasting ADD inside trained backbones written with kilotrain's TFLite writer
 * ({@link TrainableOpModels}; scheme {@code full}, so every operator's backward runs): the generated C trains bit for
 * bit like the Java twin in program order and in the device's arena order on host gcc, and each of their instructions
 * replays bit for bit on host gcc and on QEMU's Cortex-M7.
 */
class TrainableOpsCTest {
    static final Graph ACTIVATIONS = TfliteImporter.parse("activations.tflite", TrainableOpModels.activations(3));
    static final Graph ELEMENTWISE = TfliteImporter.parse("elementwise.tflite", TrainableOpModels.elementwise(5));

    static Program program(Graph g) {
        int convs = TrainCompiler.backboneConvs(g).size();
        return TrainCompiler.compile(g, new TrainSpec(Scheme.resolve("full", convs), 4, 7));
    }

    /** The names of the table operators whose gradient the program computes, sorted. */
    static String tableGrads(Program p) {
        TreeSet<String> kinds = new TreeSet<>();
        p.step.stream().filter(i -> i instanceof TableBwd).forEach(i -> kinds.add(((TableBwd) i).table().kind()));
        return kinds.toString();
    }

    static long count(Program p, Class<?> type) {
        return p.step.stream().filter(type::isInstance).count();
    }

    static List<byte[]> inputs(Graph g, int[] labels, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<byte[]> in = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            byte[] b = new byte[g.input.elements()];
            r.nextBytes(b);
            in.add(b);
            labels[i] = r.nextInt(4);
        }
        return in;
    }

    static void hostBothOrders(Path dir, Graph g, Program p, String what, long seed) throws Exception {
        int[] labels = new int[3];
        List<byte[]> in = inputs(g, labels, seed);
        CGeneratorTest.check(dir.resolve("plain"), p, what, new TrainState.Options(true, 0f,
                WeightRounding.NEAREST_EVEN, BiasRounding.NEAREST_EVEN, 3), 0.05f, 5, false, in, labels);
        CGeneratorTest.check(dir.resolve("device"), p, what + " (device order)", new TrainState.Options(true, 0.9f,
                WeightRounding.STOCHASTIC, BiasRounding.FLOAT_SHADOW, 3), 0.05f, 5, true, in, labels);
    }

    @Test
    void activationsOnHost(@TempDir Path dir) throws Exception {
        Program p = program(ACTIVATIONS);
        assertEquals("[HardSwish, LeakyRelu, Logistic, Relu, Relu6, Tanh]", tableGrads(p), "backward of each");
        hostBothOrders(dir, ACTIVATIONS, p, "activations", 11);
    }

    @Test
    void elementwiseAndPreluOnHost(@TempDir Path dir) throws Exception {
        Program p = program(ELEMENTWISE);
        assertEquals(4, count(p, BinaryBwd.class), "a backward for each of MUL, SUB, ADD, MUL");
        assertEquals(2, count(p, PreluBwd.class), "PRELUs");
        hostBothOrders(dir, ELEMENTWISE, p, "elementwise", 13);
    }

    /** The first convolution's weight gradient is not zero: the gradient passes through all six activations. */
    @Test
    void gradientReachesTheFirstConvolution() {
        Program p = program(ACTIVATIONS);
        int[] labels = new int[1];
        List<byte[]> in = inputs(ACTIVATIONS, labels, 11);
        TrainExecutor ex = new TrainExecutor(p, new TrainState(p, new TrainState.Options(true, 0f,
                WeightRounding.NEAREST_EVEN, BiasRounding.NEAREST_EVEN, 3)));
        TrainExecutor.Workspace ws = ex.workspace();
        float[][] grads = new float[p.params.size()][];
        int first = -1;
        for (int i = 0; i < grads.length; i++) {
            grads[i] = new float[p.params.get(i).value.elements];
            first = p.params.get(i).name.equals("conv0.weight") ? i : first;
        }
        ex.step(ws, in.get(0), labels[0]);
        ex.copyGradients(ws, grads);
        int nonZero = 0;
        for (float g : grads[first]) {
            nonZero += g != 0f ? 1 : 0;
        }
        assertTrue(nonZero > grads[first].length / 4, nonZero + " of " + grads[first].length + " non-zero");
    }

    /**
     * Every instruction of the activation, table and elementwise folders of one device-form step of the combined model
     * (reordered, in-place, planned arena), recorded in Java and replayed in the generated C on host gcc and QEMU's
     * Cortex-M7 (InstrReplay): each one's outputs bit for bit.
     */
    @Test
    void everyInstructionReplayedOnHostAndBoard(@TempDir Path dir) throws Exception {
        CBuild.requireTool("gcc");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        Graph g = TfliteImporter.parse("all.tflite", TrainableOpModels.all(9));
        Program p = program(g);
        int[] labels = new int[1];
        List<byte[]> in = inputs(g, labels, 19);
        TrainState state = new TrainState(p, new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 3));
        Variant v = DevicePipeline.lower(p, state.options(), 0.05f, DevicePipeline.Settings.device()
                .withFusedUpdates(false)).best();
        java.util.Set<String> folders = java.util.Set.of("activation", "table", "elementwise");
        java.util.function.IntPredicate mine = i -> {
            String pkg = v.step().get(i).getClass().getPackageName();
            return folders.contains(pkg.substring(pkg.lastIndexOf('.') + 1));
        };
        long chosen = java.util.stream.IntStream.range(0, v.step().size()).filter(mine).count();
        assertTrue(chosen >= 2 * (6 + 2 + 4), chosen + " instructions of the three folders");
        for (kilotrain.device.InstrReplay.Result r : kilotrain.device.InstrReplay.check(v, state, in.get(0), labels[0],
                0.05f, mine, dir, kilotrain.device.InstrReplay.Target.HOST, kilotrain.device.InstrReplay.Target.QEMU)) {
            assertEquals(chosen, r.records(), "records replayed");
        }
    }
}
