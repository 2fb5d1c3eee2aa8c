package kilotrain.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.ops.dequantize.DequantizeBwd;
import kilotrain.ops.reshape.Copy;
import kilotrain.program.TrainState;
import kilotrain.ir.Graph;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.ops.core.Param;
import kilotrain.program.Program;
import kilotrain.compiler.Scheme;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The new int8 classifier head in generated C, built with the host gcc: the same loss bits per step, trained
 * parameter bits and logits as the Java executor, for the paper's float-rint arithmetic (MCUNet) and TFLite's fixed
 * point with a flat feature (ResNet-8, whose head reads the feature through a reshape).
 */
class Int8HeadCTest {
    @BeforeAll
    static void load() {
        CGeneratorTest.load();
    }

    private static void assertInt8Head(Program p) {
        assertTrue(p.int8Head(), "int8 head program");
        assertFalse(p.keepsClassifier());
        assertTrue(p.step.stream().anyMatch(i -> i instanceof DequantizeBwd), "logits gradient scaled");
        assertTrue(p.params.stream().noneMatch(Param::isFloat), "no float parameter");
    }

    @Test
    void mcunetInt8HeadLastLayers(@TempDir Path dir) throws Exception {
        Scheme s = Scheme.lastK(2, TrainCompiler.backboneConvs(CGeneratorTest.mcunet).size());
        Program p = TrainCompiler.compile(CGeneratorTest.mcunet, new TrainSpec(s, 10, 3, TrainSpec.Head.INT8));
        assertInt8Head(p);
        CGeneratorTest.check(dir, p, "mcunet last-k:2 int8 head", new TrainState.Options(true, 0f,
                WeightRounding.STOCHASTIC, BiasRounding.FLOAT_SHADOW, 4), 0.05f, 5, false, CGeneratorTest.INPUTS,
                CGeneratorTest.labels);
    }

    @Test
    void mcunetInt8HeadClassifierOnlyReorderedInArena(@TempDir Path dir) throws Exception {
        Program p = TrainCompiler.compile(CGeneratorTest.mcunet, new TrainSpec(Scheme.classifierOnly(), 10, 8,
                TrainSpec.Head.INT8));
        assertInt8Head(p);
        CGeneratorTest.check(dir, p, "mcunet classifier-only int8 head (device order)", new TrainState.Options(true,
                0.9f, WeightRounding.NEAREST_EVEN, BiasRounding.NEAREST_EVEN, 2), 0.1f, 5, true,
                CGeneratorTest.INPUTS, CGeneratorTest.labels);
    }

    @Test
    void resnet8TfliteInt8Head(@TempDir Path dir) throws Exception {
        Path shared = CGeneratorTest.SHARED;
        Graph g = kilotrain.importer.ModelLoader.load(shared.resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite"));
        int[] lab = new int[4];
        List<byte[]> in = CGeneratorTest.cifarTestSamples(g, lab);
        Scheme s = Scheme.resolve("last-k:2", TrainCompiler.backboneConvs(g).size());
        Program p = TrainCompiler.compile(g, new TrainSpec(s, 10, 5, TrainSpec.Head.INT8));
        assertInt8Head(p);
        long reshapes = g.ops.stream().filter(o -> o instanceof kilotrain.ir.Reshape).count();
        assertEquals(reshapes + 1, p.step.stream().filter(i -> i instanceof Copy).count(),
                "one more reshape brings the flat feature to the head's pixel");
        CGeneratorTest.check(dir, p, "resnet8 last-k:2 int8 head", new TrainState.Options(true, 0f,
                WeightRounding.STOCHASTIC, BiasRounding.FLOAT_SHADOW, 9), 0.02f, 6, false, in, lab);
    }
}
