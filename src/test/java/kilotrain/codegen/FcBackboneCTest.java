package kilotrain.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import kilotrain.exec.Executor;
import kilotrain.exec.TrainExecutor;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.FullyConnected;
import kilotrain.ir.Graph;
import kilotrain.ir.Quant;
import kilotrain.ops.conv.ConvWeightGrad;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fully connected layers inside the trained part of a network (issue 22): lowered to their 1x1 convolution, they train
 * with {@code last-k:2} like convolutions. TFLite Micro's hello_world (three FC layers, a regression of sin(x)) and
 * MLPerf Tiny's ad01 autoencoder (ten FC layers; here with a new int8 head of 2 classes): the lowered forward gives
 * the file's bytes, and the generated C trains bit for bit like Java on host gcc and on QEMU's Cortex-M7.
 */
class FcBackboneCTest {
    static final Path HELLO = CGeneratorTest.SHARED.resolve("models/tflite-micro/hello_world_int8.tflite");
    static final Path AD01 = CGeneratorTest.SHARED.resolve("models/mlperf-tiny/ad01_int8.tflite");

    static final TrainState.Options OPTIONS = new TrainState.Options(true, 0.9f, WeightRounding.STOCHASTIC,
            BiasRounding.FLOAT_SHADOW, 5);

    private static List<byte[]> sineInputs(Graph g, float[][] targets) {
        Quant q = g.input.quant;
        List<byte[]> in = new ArrayList<>();
        for (int i = 0; i < targets.length; i++) {
            float x = (float) (2 * Math.PI * (i + 0.3) / targets.length);
            in.add(new byte[] {(byte) Math.max(-128, Math.min(127, Math.round(x / q.scale()) + q.zeroPoint()))});
            targets[i] = new float[] {(float) Math.sin(x) + 0.25f};
        }
        return in;
    }

    private static List<byte[]> randomInputs(Graph g, int n, long seed) {
        Random r = new Random(seed);
        List<byte[]> in = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[g.input.elements()];
            r.nextBytes(b);
            in.add(b);
        }
        return in;
    }

    static Program helloLastK2(Graph g) {
        Scheme s = Scheme.resolve("last-k:2", TrainCompiler.backboneConvs(g).size());
        return TrainCompiler.compile(g, TrainSpec.regress(s, 1, 0));
    }

    static Program ad01LastK2(Graph g) {
        Scheme s = Scheme.resolve("last-k:2", TrainCompiler.backboneConvs(g).size());
        return TrainCompiler.compile(g, new TrainSpec(s, 2, 3, TrainSpec.Head.INT8));
    }

    @Test
    void backboneFullyConnectedLayersAreConvIndicesAndTrain() {
        Graph g = ModelLoader.load(HELLO);
        assertEquals(2, TrainCompiler.backboneConvs(g).size(), "hello_world: two FC layers before its output layer");
        Program p = helloLastK2(g);
        assertEquals(List.of("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"),
                p.params.stream().filter(q -> !q.isFloat()).map(q -> q.name).toList());
        long wg = p.step.stream().filter(i -> i instanceof ConvWeightGrad).count();
        assertEquals(2, wg, "weight gradients of the backbone FC and the output layer");
        Graph a = ModelLoader.load(AD01);
        assertEquals(9, TrainCompiler.backboneConvs(a).size());
        Program pa = ad01LastK2(a);
        assertTrue(pa.params.stream().anyMatch(q -> q.name.equals("conv8.weight")), "ad01's last backbone FC trains");
        assertTrue(pa.params.stream().noneMatch(q -> q.name.equals("conv7.weight")), "and only that one");
    }

    /** Before any update, the program's prediction is the graph's own output: the lowered FC computes its bytes. */
    @Test
    void loweredForwardEqualsTheFileForward() {
        Graph g = ModelLoader.load(HELLO);
        Program p = helloLastK2(g);
        TrainExecutor ex = new TrainExecutor(p, new TrainState(p, OPTIONS));
        TrainExecutor.Workspace ws = ex.workspace();
        Executor ref = new Executor(g);
        Quant yq = g.output.quant;
        float[] logits = new float[1];
        for (int x = -128; x < 128; x++) {
            byte[] in = {(byte) x};
            ex.predict(ws, in, logits);
            byte[] y = ref.run(in);
            assertEquals((float) (yq.scale() * (y[0] - yq.zeroPoint())), logits[0], 0f, "input " + x);
        }
        // a frozen-and-gradient-free FC stays the FC kernel; the trained ones became convolutions
        assertTrue(p.step.get(0) instanceof kilotrain.ops.fc.FcFwd, p.step.get(0).op());
        assertTrue(g.ops.get(1) instanceof FullyConnected f && p.trained.stream().anyMatch(t -> t.op == f.asConv()));
    }

    @Test
    void helloWorldLastK2OnHostGcc(@TempDir Path dir) throws Exception {
        Graph g = ModelLoader.load(HELLO);
        float[][] targets = new float[7][];
        List<byte[]> in = sineInputs(g, targets);
        for (boolean device : new boolean[] {false, true}) {
            Path d = dir.resolve(device ? "device" : "plain");
            java.nio.file.Files.createDirectories(d);
            CGeneratorTest.check(d, helloLastK2(g), "hello_world last-k:2" + (device ? " (device order)" : ""),
                    OPTIONS, 0.05f, 9, device, in, new int[in.size()], targets);
        }
    }

    @Test
    void ad01LastK2OnHostGcc(@TempDir Path dir) throws Exception {
        Graph g = ModelLoader.load(AD01);
        List<byte[]> in = randomInputs(g, 4, 5);
        CGeneratorTest.check(dir, ad01LastK2(g), "ad01 last-k:2 (device order)", OPTIONS, 0.05f, 6, true, in,
                new int[] {0, 1, 1, 0});
    }

    /** Both on the emulated Cortex-M7 (mps2-an500): the device-ordered, arena-planned programs. */
    @Test
    void bothOnEmulatedCortexM7(@TempDir Path dir) throws Exception {
        CBuild.requireTool("make");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        Graph h = ModelLoader.load(HELLO);
        float[][] targets = new float[7][];
        List<byte[]> hin = sineInputs(h, targets);
        qemu(dir.resolve("hello"), helloLastK2(h), hin, new int[hin.size()], targets, "hello_world last-k:2 on QEMU");
        Graph a = ModelLoader.load(AD01);
        List<byte[]> ain = randomInputs(a, 4, 5);
        qemu(dir.resolve("ad01"), ad01LastK2(a), ain, new int[] {0, 1, 1, 0}, null, "ad01 last-k:2 on QEMU");
    }

    private static void qemu(Path dir, Program p, List<byte[]> in, int[] labels, float[][] targets, String what)
            throws Exception {
        java.nio.file.Files.createDirectories(dir);
        TrainState state = new TrainState(p, OPTIONS);
        float lr = 0.05f;
        Variant v = DevicePipeline.lower(p, state.options(), lr, DevicePipeline.Settings.device()
                .withFusedUpdates(false)).best();
        int steps = 6;
        CGenerator.generate(p, v.step(), v.plan(), state, lr, dir);
        CGenerator.writeSamples(dir, in, labels, targets, steps);
        CBuild.run(dir, List.of("make", "-s", "cortex-m7"), 900);
        String out = CBuild.run(dir, List.of("make", "-s", "qemu"), 900);
        assertTrue(out.contains("\nend"), what + " ran to its end:\n" + CBuild.tail(out));
        CGeneratorTest.compareWithJava(p, state, lr, steps, CBuild.losses(out), CGenerator.readParams(p,
                DeviceBench.hex(out, ParamDump.bytes(p)), "QEMU output"), CBuild.prediction(out), what, in, labels,
                targets);
    }
}
