package kilotrain.codegen;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.compiler.memory.ArenaPlanner;
import kilotrain.compiler.memory.MemoryAnalysis;
import kilotrain.compiler.memory.Variant;
import kilotrain.device.DeviceBench;
import kilotrain.importer.tflite.OperatorModels;
import kilotrain.importer.tflite.TfliteImporter;
import kilotrain.ir.Graph;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.ActivationFunctionType;
import kilotrain.ops.tflite.schema.ConcatenationOptions;
import kilotrain.ops.tflite.schema.Padding;
import kilotrain.ops.tflite.schema.Pool2DOptions;
import kilotrain.ops.tflite.schema.ReducerOptions;
import kilotrain.ops.tflite.schema.ResizeNearestNeighborOptions;
import kilotrain.ops.tflite.schema.StridedSliceOptions;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operators that joined the training step (issue 22), each inside the trained part of a small network written
 * with kilotrain's own TFLite writer ({@link OperatorModels.Chain}: conv, the operator(s), conv, FC classifier,
 * scheme {@code full} so that the gradient crosses every operator): the generated C trains bit for bit like Java on
 * host gcc (in the device's reordered, arena-planned order) and on QEMU's Cortex-M7.
 */
class OperatorTrainingCTest {
    static final TrainState.Options OPTIONS = new TrainState.Options(true, 0.9f, WeightRounding.STOCHASTIC,
            BiasRounding.FLOAT_SHADOW, 5);
    static final int CLASSES = 3;

    /** The chain's input: odd sizes, the input zero point at -128. */
    static OperatorModels.Chain start() {
        return new OperatorModels.Chain(new int[] {1, 7, 5, 3}, 0.02f, -128, 11).conv(6, 3, 0.05f, -10);
    }

    /** QUANTIZE int8 -> int8: a zero point at the top of the range (values above it saturate) and a plain one. */
    static byte[] requantize() {
        return start().requantize(0.03f, 127).conv(4, 3, 0.05f, 0).requantize(0.04f, -3).classifier(CLASSES);
    }

    /** PAD on every side (channels too) with the zero point at -128, then the output's zero point as fill. */
    static byte[] pad() {
        return start().requantize(0.05f, -128).op2(34, new int[] {1, 10, 8, 7}, 0.05f, -128,
                new int[][] {{0, 0}, {1, 2}, {2, 1}, {1, 0}}).conv(4, 3, 0.05f, 3).classifier(CLASSES);
    }

    /** TRANSPOSE of H and W, and an NCHW -> NHWC one. */
    static byte[] transpose() {
        return start().op(39, new int[] {1, 5, 7, 6}, 0.05f, -10, new int[][] {{0, 2, 1, 3}}, (byte) 0, null)
                .op(39, new int[] {1, 6, 5, 7}, 0.05f, -10, new int[][] {{0, 3, 1, 2}}, (byte) 0, null)
                .op(39, new int[] {1, 5, 7, 6}, 0.05f, -10, new int[][] {{0, 2, 3, 1}}, (byte) 0, null)
                .conv(4, 3, 0.05f, 0).classifier(CLASSES);
    }

    /** STRIDED_SLICE with negative strides on H and W. */
    static byte[] slice() {
        return start().op(45, new int[] {1, 3, 2, 6}, 0.05f, -10,
                new int[][] {{0, 6, 4, 0}, {1, 0, 0, 6}, {1, -2, -3, 1}}, BuiltinOptions.StridedSliceOptions,
                b -> StridedSliceOptions.createStridedSliceOptions(b, 0, 0, 0, 0, 0, false))
                .conv(4, 3, 0.05f, 0).classifier(CLASSES);
    }

    /** RESIZE_NEAREST_NEIGHBOR up to odd sizes (several outputs read one input: the gradient sums them). */
    static byte[] resize() {
        return start().op(97, new int[] {1, 11, 9, 6}, 0.05f, -10, new int[][] {{11, 9}},
                BuiltinOptions.ResizeNearestNeighborOptions,
                b -> ResizeNearestNeighborOptions.createResizeNearestNeighborOptions(b, false, true))
                .conv(4, 3, 0.05f, 0).classifier(CLASSES);
    }

    /** MEAN over H and W, requantized (keep_dims) and with the input's quantization (flattened). */
    static byte[] mean() {
        return start().op(40, new int[] {1, 1, 1, 6}, 0.02f, 3, new int[][] {{1, 2}}, BuiltinOptions.ReducerOptions,
                b -> ReducerOptions.createReducerOptions(b, true)).classifier(CLASSES);
    }

    static byte[] meanSameQuant() {
        return start().op(40, new int[] {1, 6}, 0.05f, -10, new int[][] {{1, 2}}, BuiltinOptions.ReducerOptions,
                b -> ReducerOptions.createReducerOptions(b, false)).classifier(CLASSES);
    }

    /** MAX_POOL_2D 3x3 stride 2 SAME on odd sizes with a fused RELU6 (clamps), and 2x2 stride 1 (overlapping). */
    static byte[] maxPool() {
        return start().op(17, new int[] {1, 4, 3, 6}, 0.05f, -10, new int[0][], BuiltinOptions.Pool2DOptions,
                b -> Pool2DOptions.createPool2DOptions(b, Padding.SAME, 2, 2, 3, 3, ActivationFunctionType.RELU6))
                .op(17, new int[] {1, 3, 2, 6}, 0.05f, -10, new int[0][], BuiltinOptions.Pool2DOptions,
                        b -> Pool2DOptions.createPool2DOptions(b, Padding.VALID, 1, 1, 2, 2,
                                ActivationFunctionType.NONE))
                .conv(4, 3, 0.05f, 0).classifier(CLASSES);
    }

    /** CONCATENATION along channels with an earlier tensor, then of a tensor with itself along W. */
    static byte[] concat() {
        OperatorModels.Chain c = start();
        int first = c.current();
        c.conv(4, 3, 0.05f, -10).op2in(2, first, new int[] {1, 7, 5, 10}, 0.05f, -10,
                BuiltinOptions.ConcatenationOptions,
                b -> ConcatenationOptions.createConcatenationOptions(b, 3, ActivationFunctionType.NONE));
        int twice = c.current();
        return c.op2in(2, twice, new int[] {1, 7, 10, 10}, 0.05f, -10, BuiltinOptions.ConcatenationOptions,
                b -> ConcatenationOptions.createConcatenationOptions(b, 2, ActivationFunctionType.NONE))
                .conv(4, 3, 0.05f, 0).classifier(CLASSES);
    }

    /** All of the above in one network (one build for the emulated board). */
    static byte[] all() {
        OperatorModels.Chain c = start().requantize(0.05f, -128)
                .op2(34, new int[] {1, 10, 8, 7}, 0.05f, -128, new int[][] {{0, 0}, {1, 2}, {2, 1}, {1, 0}})
                .op(39, new int[] {1, 8, 10, 7}, 0.05f, -128, new int[][] {{0, 2, 1, 3}}, (byte) 0, null)
                .op(45, new int[] {1, 4, 3, 7}, 0.05f, -128, new int[][] {{0, 7, 9, 0}, {1, 0, 0, 7}, {1, -2, -3, 1}},
                        BuiltinOptions.StridedSliceOptions,
                        b -> StridedSliceOptions.createStridedSliceOptions(b, 0, 0, 0, 0, 0, false))
                .op(97, new int[] {1, 7, 5, 7}, 0.05f, -128, new int[][] {{7, 5}},
                        BuiltinOptions.ResizeNearestNeighborOptions,
                        b -> ResizeNearestNeighborOptions.createResizeNearestNeighborOptions(b, false, true))
                .op(17, new int[] {1, 4, 3, 7}, 0.05f, -128, new int[0][], BuiltinOptions.Pool2DOptions,
                        b -> Pool2DOptions.createPool2DOptions(b, Padding.SAME, 2, 2, 3, 3,
                                ActivationFunctionType.RELU6));
        int pooled = c.current();
        return c.op2in(2, pooled, new int[] {1, 4, 6, 7}, 0.05f, -128, BuiltinOptions.ConcatenationOptions,
                b -> ConcatenationOptions.createConcatenationOptions(b, 2, ActivationFunctionType.NONE))
                .op(40, new int[] {1, 1, 1, 7}, 0.02f, 3, new int[][] {{1, 2}}, BuiltinOptions.ReducerOptions,
                        b -> ReducerOptions.createReducerOptions(b, true))
                .classifier(CLASSES);
    }

    static final List<Function<Void, byte[]>> MODELS = List.of(v -> all());

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
    void requantizeOnHostGcc(@TempDir Path dir) throws Exception {
        host(dir, requantize(), "requantize", "table_grad");
    }

    @Test
    void meanOnHostGcc(@TempDir Path dir) throws Exception {
        host(dir.resolve("requant"), mean(), "mean", "mean_grad");
        host(dir.resolve("same"), meanSameQuant(), "mean (same quantization)", "mean_grad");
    }

    @Test
    void maxPoolOnHostGcc(@TempDir Path dir) throws Exception {
        host(dir, maxPool(), "maxpool", "maxpool_grad");
    }

    @Test
    void concatenationOnHostGcc(@TempDir Path dir) throws Exception {
        Program p = program(concat(), "concat");
        assertTrue(p.step.stream().anyMatch(i -> i.op().equals("concat_grad_acc")), "the doubled part accumulates");
        host(dir, concat(), "concat", "concat_grad");
    }

    @Test
    void padOnHostGcc(@TempDir Path dir) throws Exception {
        host(dir, pad(), "pad", "pad_grad");
    }

    @Test
    void transposeOnHostGcc(@TempDir Path dir) throws Exception {
        host(dir, transpose(), "transpose", "transpose_grad");
    }

    @Test
    void stridedSliceOnHostGcc(@TempDir Path dir) throws Exception {
        host(dir, slice(), "slice", "stridedslice_grad");
    }

    @Test
    void resizeNearestOnHostGcc(@TempDir Path dir) throws Exception {
        host(dir, resize(), "resize", "resizenearest_grad");
    }

    @Test
    void allInOneOnHostGcc(@TempDir Path dir) throws Exception {
        host(dir, all(), "all", "pad_grad");
    }

    /** Every chain above on the emulated Cortex-M7 (mps2-an500), device order and arena plan. */
    @Test
    void allOnEmulatedCortexM7(@TempDir Path dir) throws Exception {
        CBuild.requireTool("make");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        int k = 0;
        for (Function<Void, byte[]> m : MODELS) {
            String name = "chain" + k++;
            Program p = program(m.apply(null), name);
            Path d = dir.resolve(name);
            Files.createDirectories(d);
            TrainState state = new TrainState(p, OPTIONS);
            Variant v = MemoryAnalysis.of(p, true, new ArenaPlanner()).best();
            float lr = 0.05f;
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
