package kilotrain.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import kilotrain.device.Board;
import kilotrain.device.DeviceBench;
import kilotrain.ir.Graph;
import kilotrain.ops.loss.BceGrad;
import kilotrain.ops.loss.TargetKind;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every task's step in generated C, bit for bit like the Java executor (loss bits per step, trained parameters,
 * prediction and logits): the autoencoder (MLPerf Tiny's ad01, the input as its own target), the regression on int8
 * targets (hello_world), the binary classifier (one sigmoid logit, float and int8 heads) and classify-keep-head
 * (ResNet-8's own fully connected classifier), in the plain order and the device's arena-planned one on host gcc, and
 * on QEMU's Cortex-M7 through device-bench's path ({@link DeviceBench#run}).
 */
class TasksCTest {
    static final Path AD01 = CGeneratorTest.SHARED.resolve("models/mlperf-tiny/ad01_int8.tflite");
    static final Path RESNET = CGeneratorTest.SHARED.resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite");

    static final TrainState.Options OPTIONS = new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC,
            BiasRounding.FLOAT_SHADOW, 3);

    static List<byte[]> random(int n, int bytes, long seed) {
        Random r = new Random(seed);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[bytes];
            r.nextBytes(b);
            out.add(b);
        }
        return out;
    }

    static Program autoencoder() {
        Graph g = kilotrain.importer.ModelLoader.load(AD01);
        return TrainCompiler.compile(g, TrainSpec.of(TrainSpec.Task.AUTOENCODE, Scheme.classifierOnly(), 640, 0,
                TrainSpec.Head.INT8));
    }

    static Program int8Regression() {
        Graph g = kilotrain.importer.ModelLoader.load(RegressCTest.HELLO);
        return TrainCompiler.compile(g, TrainSpec.of(TrainSpec.Task.REGRESS_INT8, Scheme.classifierOnly(), 1, 0,
                TrainSpec.Head.INT8));
    }

    static Program binary(TrainSpec.Head head) {
        Graph g = kilotrain.importer.ModelLoader.load(RegressCTest.HELLO);
        return TrainCompiler.compile(g, TrainSpec.of(TrainSpec.Task.BINARY, Scheme.classifierOnly(), 2, 3, head));
    }

    static final float[][] INT8_TARGETS = {{-100}, {90}, {-7}, {127}, {-128}};

    static void both(Path dir, Program p, String what, List<byte[]> in, int[] labels, float[][] targets)
            throws Exception {
        for (boolean device : new boolean[] {false, true}) {
            Path d = dir.resolve(device ? "device" : "plain");
            Files.createDirectories(d);
            CGeneratorTest.check(d, p, what + (device ? " (device order)" : ""), OPTIONS, 0.05f, 7, device, in,
                    labels, targets);
        }
    }

    @Test
    void autoencoderAd01(@TempDir Path dir) throws Exception {
        Program p = autoencoder();
        assertEquals(TargetKind.INPUT, p.targetKind());
        both(dir, p, "ad01 autoencode", random(3, 640, 1), new int[3], null);
        String h = Files.readString(dir.resolve("plain/kt_model.h"));
        assertTrue(h.contains("float kt_train_step(const int8_t *input, const int8_t *target);")
                && h.contains("#define KT_AUTOENCODE 1"), "the device API takes the input as the target");
    }

    @Test
    void int8TargetRegression(@TempDir Path dir) throws Exception {
        Program p = int8Regression();
        assertEquals(TargetKind.INT8, p.targetKind());
        both(dir, p, "hello_world int8 targets", random(5, 1, 2), new int[5], INT8_TARGETS);
        assertTrue(Files.readString(dir.resolve("plain/kt_model.h"))
                .contains("float kt_train_step(const int8_t *input, const int8_t *target);"), "int8 target vector");
    }

    @Test
    void binaryFloatAndInt8Heads(@TempDir Path dir) throws Exception {
        for (TrainSpec.Head head : TrainSpec.Head.values()) {
            Program p = binary(head);
            assertTrue(p.binary() && p.numClasses == 1 && p.step.stream().anyMatch(i -> i instanceof BceGrad));
            Path d = dir.resolve(head.cli());
            both(d, p, "hello_world binary " + head.cli(), random(4, 1, 3), new int[] {0, 1, 1, 0}, null);
            String h = Files.readString(d.resolve("plain/kt_model.h"));
            assertTrue(h.contains("float kt_train_step(const int8_t *input, int label);")
                    && h.contains("#define KT_TARGET_OK(t) ((t) == 0 || (t) == 1)"), "a 0/1 label");
        }
    }

    @Test
    void classifyKeepHeadResnet8(@TempDir Path dir) throws Exception {
        Graph g = kilotrain.importer.ModelLoader.load(RESNET);
        Program p = TrainCompiler.compile(g, TrainSpec.of(TrainSpec.Task.CLASSIFY_KEEP_HEAD,
                Scheme.resolve("last-k:2", TrainCompiler.backboneConvs(g).size()), 10, 0, TrainSpec.Head.INT8));
        assertTrue(p.ownClassifier());
        both(dir, p, "resnet-8 classify-keep-head", random(3, g.input.elements(), 4), new int[] {3, 0, 9}, null);
    }

    /**
     * The firmware library of each new task: {@code kt_learn(x, target)} takes the task's target ({@code kt_lib_test.c}
     * learns one sample, saves, restores), built and run on the host and built for the Cortex-M7 ({@code make check}).
     */
    @Test
    void libraryLearnsWithEveryTasksTarget(@TempDir Path dir) throws Exception {
        CBuild.requireTool("gcc");
        CBuild.requireTool("make");
        CBuild.requireTool("arm-none-eabi-gcc");
        String[][] cases = {{"autoencode", AD01.toString()}, {"regress-int8", RegressCTest.HELLO.toString()},
            {"regress", RegressCTest.HELLO.toString()}, {"binary", RegressCTest.HELLO.toString()},
            {"classify-keep-head", RESNET.toString()}};
        for (String[] c : cases) {
            Path lib = dir.resolve(c[0]);
            String said = ImportParamsTest.stdout(() -> kilotrain.cli.Main.run("compile", c[1], "--scheme",
                    "classifier-only", "--task", c[0], "--target", "lib", "--board", "mps2-an500", "--out",
                    lib.toString()));
            assertTrue(said.contains("library"), said);
            String out = CBuild.run(lib, List.of("make", "-s", "check"), 600);
            assertTrue(out.contains("kt_lib_test.elf"), c[0] + ": " + out);
        }
    }

    /** device-bench's path for the new tasks on the emulated Cortex-M7: bit-exact with the Java twin. */
    @Test
    void everyTaskOnEmulatedCortexM7(@TempDir Path dir) throws Exception {
        CBuild.requireTool("make");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        record Case(String name, Program p, List<byte[]> in, int[] labels, float[][] targets) {
        }
        List<Case> cases = List.of(
                new Case("autoencode", autoencoder(), random(2, 640, 5), new int[2], null),
                new Case("regress-int8", int8Regression(), random(5, 1, 6), new int[5], INT8_TARGETS),
                new Case("binary", binary(TrainSpec.Head.INT8), random(2, 1, 7), new int[] {1, 0}, null));
        for (Case c : cases) {
            DeviceBench.Result r = DeviceBench.run(DevicePipeline.lower(c.p, OPTIONS, 0.05f,
                    DevicePipeline.Settings.device()), () -> new TrainState(c.p, OPTIONS), c.in, c.labels, c.targets, 5,
                    dir.resolve(c.name), 900, Board.DEFAULT);
            assertTrue(r.bitExact(), c.name + " on QEMU: " + r.mismatch());
        }
    }
}
