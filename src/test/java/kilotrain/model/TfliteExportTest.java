package kilotrain.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import kilotrain.KtException;
import kilotrain.cli.Main;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.data.DatasetSplit;
import kilotrain.data.InputSpec;
import kilotrain.data.LoadOptions;
import kilotrain.data.SampleSource;
import kilotrain.data.TestTransform;
import kilotrain.data.TrainAugment;
import kilotrain.exec.Executor;
import kilotrain.exec.TrainExecutor;
import kilotrain.program.TrainState;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Conv2D;
import kilotrain.ir.FullyConnected;
import kilotrain.ir.Graph;
import kilotrain.ir.Softmax;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.ops.core.Param;
import kilotrain.program.Program;
import kilotrain.compiler.Scheme;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model fine-tuned from TFLite and written back as TFLite (trained int8 weights and int32 biases in place, the
 * new int8 head as a FULLY_CONNECTED) imports into a graph whose int8 logits are those of the in-memory trained
 * model, bit for bit.
 */
class TfliteExportTest {
    static final Path SHARED = Path.of(System.getProperty("user.dir")).resolve("../shared").normalize();
    static final Path RESNET = SHARED.resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite");
    static final Path KWS = SHARED.resolve("models/mlperf-tiny/kws_ref_model.tflite");

    /** A few batch-1 steps of the Java executor. */
    static void train(Program p, TrainState st, List<byte[]> in, int[] lab, int steps, float lr) {
        TrainExecutor ex = new TrainExecutor(p, st);
        TrainExecutor.Workspace ws = ex.workspace();
        float[][] g = new float[p.params.size()][];
        for (int i = 0; i < g.length; i++) {
            g[i] = new float[p.params.get(i).grad.elements];
        }
        for (int s = 0; s < steps; s++) {
            ex.step(ws, in.get(s % in.size()), lab[s % lab.length]);
            ex.copyGradients(ws, g);
            st.apply(g, 1, lr);
        }
    }

    /** The trained int8 weight parameters whose values moved away from their initial ones. */
    static List<Param> movedWeights(Program p, TrainState st) {
        List<Param> moved = new ArrayList<>();
        for (Param q : p.params) {
            if (q.role == Param.Role.CONV_WEIGHT && !java.util.Arrays.equals((byte[]) q.initial, (byte[]) st.value(q))) {
                moved.add(q);
            }
        }
        return moved;
    }

    /** The exported file's backbone convs hold exactly the trained weights and biases, in the IR's layout. */
    static void assertTrainedValues(Path exported, Graph original, Program p, TrainState st) {
        Graph back = ModelLoader.load(exported);
        int checked = 0;
        for (kilotrain.ops.core.TrainedConv tc : p.trained) {
            int i = original.ops.indexOf(tc.op);
            if (i < 0) {
                continue; // the new head
            }
            Conv2D c = (Conv2D) back.ops.get(i);
            assertArrayEquals(st.fullWeights(tc.op), c.weight.int8Data, "weights of " + c.name);
            assertArrayEquals(st.currentBias(tc.op), c.bias.int32Data, "bias of " + c.name);
            checked++;
        }
        assertTrue(checked > 0, "some backbone conv trained");
    }

    /** The exported file's logits (the head's FULLY_CONNECTED output, dequantized) against the training program's. */
    static void assertSameLogits(Path exported, Program p, TrainState st, List<byte[]> inputs) {
        Graph g = ModelLoader.load(exported);
        int fc = -1;
        for (int i = 0; i < g.ops.size(); i++) {
            if (g.ops.get(i) instanceof FullyConnected) {
                fc = i;
            }
        }
        FullyConnected head = (FullyConnected) g.ops.get(fc);
        assertEquals(p.numClasses, head.outFeatures());
        assertTrue(g.ops.get(g.ops.size() - 1) instanceof Softmax, "the model's softmax follows the head");
        Executor ex = new Executor(g);
        TrainExecutor te = new TrainExecutor(p, st);
        TrainExecutor.Workspace ws = te.workspace();
        float[] trained = new float[p.numClasses];
        float s = head.output.quant.scale();
        int z = head.output.quant.zeroPoint();
        for (byte[] in : inputs) {
            ex.forward(in);
            byte[] q = ex.view(head.output);
            float[] fromFile = new float[q.length];
            for (int i = 0; i < q.length; i++) {
                fromFile[i] = (float) (q[i] - z) * s;
            }
            te.predict(ws, in, trained);
            assertArrayEquals(trained, fromFile, 0f, "logits of the exported model");
        }
    }

    @Test
    void resnet8Int8HeadOnCifar(@TempDir Path dir) throws Exception {
        Graph g = ModelLoader.load(RESNET);
        DatasetSplit split = DatasetSplit.open(SHARED.resolve("data/cifar10"),
                LoadOptions.defaults().withLimitPerClass(2), LoadOptions.defaults().withLimitPerClass(3));
        SampleSource src = new SampleSource(split, InputSpec.of(g.input), TrainAugment.none(), TestTransform.resize(),
                0);
        List<byte[]> test = new ArrayList<>();
        int[] lab = new int[src.testSize()];
        for (int i = 0; i < lab.length; i++) {
            byte[] b = new byte[g.input.elements()];
            src.fillTest(i, b);
            test.add(b);
            lab[i] = src.testLabel(i);
        }
        Scheme s = Scheme.resolve("last-k:2", TrainCompiler.backboneConvs(g).size());
        Program p = TrainCompiler.compile(g, new TrainSpec(s, 10, 1, TrainSpec.Head.INT8));
        TrainState st = new TrainState(p, new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 3));
        train(p, st, test, lab, 20, 0.05f);
        assertEquals(2, movedWeights(p, st).size(), "the last conv's and the head's weights changed");
        byte[] original = Files.readAllBytes(RESNET);
        Path out = dir.resolve("model.tflite");
        Files.write(out, TfliteExport.write(original, g, p, st));
        assertTrainedValues(out, g, p, st);
        assertSameLogits(out, p, st, test);
    }

    /** DS-CNN: trained depthwise weights go back in TFLite's [1, kh, kw, cout] layout. */
    @Test
    void kwsDepthwiseWeights(@TempDir Path dir) throws Exception {
        Graph g = ModelLoader.load(KWS);
        List<Conv2D> convs = TrainCompiler.backboneConvs(g);
        Scheme s = Scheme.resolve("last-k:4", convs.size());
        Program p = TrainCompiler.compile(g, new TrainSpec(s, 5, 2, TrainSpec.Head.INT8));
        assertTrue(p.trained.stream().anyMatch(t -> t.op.isDepthwise() && t.weights()), "a depthwise conv trains");
        SplittableRandom r = new SplittableRandom(5);
        List<byte[]> in = new ArrayList<>();
        int[] lab = new int[6];
        for (int i = 0; i < lab.length; i++) {
            byte[] b = new byte[g.input.elements()];
            r.nextBytes(b);
            in.add(b);
            lab[i] = i % 5;
        }
        TrainState st = new TrainState(p, new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC,
                BiasRounding.NEAREST_EVEN, 1));
        train(p, st, in, lab, 12, 0.1f);
        assertTrue(movedWeights(p, st).stream().anyMatch(q -> q.conv.op.isDepthwise()), "depthwise weights changed: "
                + movedWeights(p, st).stream().map(q -> q.name).toList());
        Path out = dir.resolve("kws.tflite");
        Files.write(out, TfliteExport.write(Files.readAllBytes(KWS), g, p, st));
        assertTrainedValues(out, g, p, st);
        assertSameLogits(out, p, st, in);
        // untrained layers are carried over unchanged
        Graph back = ModelLoader.load(out);
        Conv2D first = (Conv2D) back.ops.get(0);
        assertArrayEquals(((Conv2D) g.ops.get(0)).weight.int8Data, first.weight.int8Data);
    }

    /**
     * A model with the operators that joined training (PAD, TRANSPOSE, STRIDED_SLICE, RESIZE_NEAREST_NEIGHBOR,
     * MAX_POOL_2D, CONCATENATION, MEAN, QUANTIZE: their options copied) and one whose backbone is fully connected
     * (ad01, its trained FC layer written back in place): the exported file's logits are the trained program's.
     */
    @Test
    void newOperatorsAndBackboneFullyConnected(@TempDir Path dir) throws Exception {
        byte[] model = kilotrain.importer.tflite.OperatorModels.everyTrainableOperator();
        Graph g = kilotrain.importer.tflite.TfliteImporter.parse("ops.tflite", model);
        Program p = TrainCompiler.compile(g, new TrainSpec(Scheme.resolve("full",
                TrainCompiler.backboneConvs(g).size()), 3, 4, TrainSpec.Head.INT8));
        SplittableRandom r = new SplittableRandom(8);
        List<byte[]> in = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            byte[] b = new byte[g.input.elements()];
            r.nextBytes(b);
            in.add(b);
        }
        TrainState st = new TrainState(p, new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 3));
        train(p, st, in, new int[] {0, 1, 2, 1}, 8, 0.05f);
        Path out = dir.resolve("ops.tflite");
        Files.write(out, TfliteExport.write(model, g, p, st));
        assertTrainedValues(out, g, p, st);
        assertHeadLogits(out, p, st, in);

        Path ad01 = SHARED.resolve("models/mlperf-tiny/ad01_int8.tflite");
        Graph a = ModelLoader.load(ad01);
        Program pa = TrainCompiler.compile(a, new TrainSpec(Scheme.resolve("last-k:2",
                TrainCompiler.backboneConvs(a).size()), 2, 4, TrainSpec.Head.INT8));
        TrainState sa = new TrainState(pa, new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 3));
        List<byte[]> ain = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            byte[] b = new byte[a.input.elements()];
            r.nextBytes(b);
            ain.add(b);
        }
        train(pa, sa, ain, new int[] {0, 1, 1, 0}, 8, 0.05f);
        assertTrue(movedWeights(pa, sa).size() == 2, "the last backbone FC's and the head's weights changed");
        Path aout = dir.resolve("ad01.tflite");
        Files.write(aout, TfliteExport.write(Files.readAllBytes(ad01), a, pa, sa));
        Graph back = ModelLoader.load(aout);
        FullyConnected trained = (FullyConnected) a.ops.get(8), written = (FullyConnected) back.ops.get(8);
        assertArrayEquals(sa.fullWeights(trained.asConv()), written.weight.int8Data, "the trained FC's weights");
        assertArrayEquals(sa.currentBias(trained.asConv()), written.bias.int32Data, "the trained FC's bias");
        assertHeadLogits(aout, pa, sa, ain);
    }

    /** The exported file's last layer (the new head), dequantized, against the training program's logits. */
    private static void assertHeadLogits(Path exported, Program p, TrainState st, List<byte[]> inputs) {
        Graph back = ModelLoader.load(exported);
        FullyConnected head = (FullyConnected) back.ops.get(back.ops.size() - 1);
        Executor ex = new Executor(back);
        TrainExecutor te = new TrainExecutor(p, st);
        TrainExecutor.Workspace ws = te.workspace();
        float[] logits = new float[p.numClasses];
        for (byte[] x : inputs) {
            ex.forward(x);
            byte[] q = ex.view(head.output);
            te.predict(ws, x, logits);
            for (int i = 0; i < logits.length; i++) {
                assertEquals(logits[i], (q[i] - head.output.quant.zeroPoint()) * head.output.quant.scale(), 0f);
            }
        }
    }

    @Test
    void floatHeadHasNoTfliteForm() {
        Graph g = ModelLoader.load(RESNET);
        Program p = TrainCompiler.compile(g, new TrainSpec(Scheme.classifierOnly(), 10, 0));
        TrainState st = new TrainState(p, new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 0));
        KtException e = assertThrows(KtException.class, () -> TfliteExport.write(new byte[0], g, p, st));
        assertTrue(e.getMessage().contains("--head int8"), e.getMessage());
    }

    /** `train --head int8` on a TFLite model writes model.tflite next to model.ktm; both predict alike. */
    @Test
    void trainCommandWritesTfliteAndLeavesInputAlone(@TempDir Path dir) throws Exception {
        byte[] before = Files.readAllBytes(RESNET);
        Path out = dir.resolve("run");
        int rc = Main.run("train", "--model", RESNET.toString(), "--data", SHARED.resolve("data/cifar10").toString(),
                "--scheme", "bias-only:2", "--train-limit-per-class", "2", "--test-limit-per-class", "1", "--epochs", "1",
                "--warmup-epochs", "0", "--batch", "4", "--lr", "0.05", "--head", "int8", "--threads", "1", "--out",
                out.toString());
        assertEquals(0, rc);
        assertArrayEquals(before, Files.readAllBytes(RESNET), "the input model is untouched");
        assertTrue(Files.isRegularFile(out.resolve("model.tflite")));
        assertFalse(TrainedModel.looksLike(out.resolve("model.tflite")));
        TrainedModel m = TrainedModel.load(out.resolve("model.ktm"));
        List<byte[]> images = new ArrayList<>();
        DatasetSplit split = DatasetSplit.open(SHARED.resolve("data/cifar10"), LoadOptions.defaults().withLimitPerClass(1),
                LoadOptions.defaults().withLimitPerClass(1));
        SampleSource src = new SampleSource(split, InputSpec.of(m.graph.input), TrainAugment.none(),
                TestTransform.resize(), 0);
        for (int i = 0; i < src.testSize(); i++) {
            byte[] b = new byte[m.graph.input.elements()];
            src.fillTest(i, b);
            images.add(b);
        }
        assertSameLogits(out.resolve("model.tflite"), m.program, m.state, images);
    }
}
