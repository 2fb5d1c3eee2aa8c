package kilotrain.importer.tflite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import kilotrain.KtException;
import kilotrain.ir.Conv2D;
import kilotrain.ir.FullyConnected;
import kilotrain.ir.Graph;
import kilotrain.ir.Op;
import kilotrain.ir.Requant;

class TfliteImporterTest {
    static final Path MODELS = Path.of(System.getProperty("user.dir")).resolve("../shared/models").normalize();

    /** Operator counts by TFLite type; depthwise convs count apart from the others as TFLite lists them. */
    static Map<String, Integer> counts(Graph g) {
        Map<String, Integer> m = new TreeMap<>();
        for (Op op : g.ops) {
            String k = op instanceof Conv2D c ? (c.isDepthwise() ? "DEPTHWISE_CONV_2D" : "CONV_2D")
                    : switch (op.getClass().getSimpleName()) {
                        case "Add" -> "ADD";
                        case "AvgPool2D" -> "AVERAGE_POOL_2D";
                        case "FullyConnected" -> "FULLY_CONNECTED";
                        case "Reshape" -> "RESHAPE";
                        case "Softmax" -> "SOFTMAX";
                        default -> op.getClass().getSimpleName();
                    };
            m.merge(k, 1, Integer::sum);
        }
        return m;
    }

    private static Graph load(String rel) {
        return TfliteImporter.load(MODELS.resolve(rel));
    }

    @Test
    void resnet8() {
        Graph g = load("mlperf-tiny/pretrainedResnet_quant.tflite");
        assertEquals(Graph.Source.TFLITE, g.source);
        assertArrayEquals(new int[] {1, 32, 32, 3}, g.input.shape);
        assertArrayEquals(new int[] {1, 10}, g.output.shape);
        assertEquals(Map.of("CONV_2D", 9, "ADD", 3, "AVERAGE_POOL_2D", 1, "RESHAPE", 1, "FULLY_CONNECTED", 1,
                "SOFTMAX", 1), counts(g));
    }

    @Test
    void visualWakeWords() {
        Graph g = load("mlperf-tiny/vww_96_int8.tflite");
        assertArrayEquals(new int[] {1, 96, 96, 3}, g.input.shape);
        assertArrayEquals(new int[] {1, 2}, g.output.shape);
        assertEquals(Map.of("CONV_2D", 14, "DEPTHWISE_CONV_2D", 13, "AVERAGE_POOL_2D", 1, "RESHAPE", 1,
                "FULLY_CONNECTED", 1, "SOFTMAX", 1), counts(g));
    }

    @Test
    void keywordSpotting() {
        Graph g = load("mlperf-tiny/kws_ref_model.tflite");
        assertArrayEquals(new int[] {1, 49, 10, 1}, g.input.shape);
        assertArrayEquals(new int[] {1, 12}, g.output.shape);
        Map<String, Integer> c = counts(g);
        assertEquals(Map.of("CONV_2D", 5, "DEPTHWISE_CONV_2D", 4, "AVERAGE_POOL_2D", 1, "RESHAPE", 1,
                "FULLY_CONNECTED", 1, "SOFTMAX", 1), c);
    }

    @Test
    void anomalyDetection() {
        Graph g = load("mlperf-tiny/ad01_int8.tflite");
        assertArrayEquals(new int[] {1, 640}, g.input.shape);
        assertArrayEquals(new int[] {1, 640}, g.output.shape);
        assertEquals(Map.of("FULLY_CONNECTED", 10), counts(g));
        for (Op op : g.ops) {
            FullyConnected fc = (FullyConnected) op;
            assertEquals(fc.outFeatures(), fc.bias.elements());
        }
    }

    @Test
    void personDetect() {
        Graph g = load("tflite-micro/person_detect.tflite");
        assertArrayEquals(new int[] {1, 96, 96, 1}, g.input.shape);
        assertArrayEquals(new int[] {1, 2}, g.output.shape);
        Map<String, Integer> c = counts(g);
        assertTrue(c.get("CONV_2D") > 0 && c.get("DEPTHWISE_CONV_2D") > 0, c.toString());
        assertEquals(1, c.get("AVERAGE_POOL_2D"));
        assertEquals(1, c.get("SOFTMAX"));
    }

    @Test
    void depthwiseWeightsBecomeOhwiWithOneInputChannelPerGroup() {
        Graph g = load("mlperf-tiny/vww_96_int8.tflite");
        for (Op op : g.ops) {
            if (op instanceof Conv2D c && c.isDepthwise()) {
                assertEquals(c.input.channels(), c.groups);
                assertEquals(1, c.weight.dim(3));
                assertEquals(c.output.channels(), c.weight.dim(0));
                assertEquals(0, c.weight.quant.axis < 0 ? 0 : c.weight.quant.axis);
                Requant.FixedPoint r = (Requant.FixedPoint) c.requant;
                assertEquals(c.output.channels(), r.channels());
                for (int m : r.multipliers()) {
                    assertTrue(m >= (1 << 30), "Q31 multipliers are normalised to [2^30, 2^31)");
                }
            }
        }
    }

    @Test
    void multipliersReproduceTheEffectiveScales() {
        Graph g = load("mlperf-tiny/pretrainedResnet_quant.tflite");
        int checked = 0;
        for (Op op : g.ops) {
            if (op instanceof Conv2D c) {
                Requant.FixedPoint r = (Requant.FixedPoint) c.requant;
                for (int ch = 0; ch < r.channels(); ch++) {
                    double eff = (double) c.input.quant.scale() * c.weight.quant.scales[ch] / c.output.quant.scale();
                    double got = r.multipliers()[ch] * Math.scalb(1.0, r.shifts()[ch] - 31);
                    assertEquals(eff, got, eff * 0x1p-30, c.name + " channel " + ch);
                    checked++;
                }
            }
        }
        assertTrue(checked > 100);
    }

    @Test
    void errorsNameTheFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nope.tflite");
        KtException e = assertThrows(KtException.class, () -> TfliteImporter.load(missing));
        assertTrue(e.getMessage().contains("nope.tflite"), e.getMessage());

        byte[] model = Files.readAllBytes(MODELS.resolve("mlperf-tiny/kws_ref_model.tflite"));
        Path cut = dir.resolve("cut.tflite");
        Files.write(cut, java.util.Arrays.copyOf(model, model.length / 3));
        e = assertThrows(KtException.class, () -> TfliteImporter.load(cut));
        assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());

        byte[] bad = model.clone();
        bad[4] = 'X';
        Path noId = dir.resolve("noid.tflite");
        Files.write(noId, bad);
        e = assertThrows(KtException.class, () -> TfliteImporter.load(noId));
        assertTrue(e.getMessage().contains("TFL3"), e.getMessage());
    }
}
