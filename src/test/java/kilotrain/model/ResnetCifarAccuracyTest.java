package kilotrain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import kilotrain.data.Dataset;
import kilotrain.data.DatasetSplit;
import kilotrain.data.InputSpec;
import kilotrain.data.LoadOptions;
import kilotrain.data.SampleSource;
import kilotrain.data.TestTransform;
import kilotrain.data.TrainAugment;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import org.junit.jupiter.api.Test;

/**
 * MLPerf Tiny's ResNet-8 on all 10,000 CIFAR-10 test images (JPEG re-encodings) with q = pixel - 128 reaches at least
 * 74.5 % top-1 (an independent int8 runtime gets 75.5 % on them).
 */
class ResnetCifarAccuracyTest {
    static final Path SHARED = Path.of(System.getProperty("user.dir")).resolve("../shared").normalize();

    @Test
    void resnet8OnCifar10Test() {
        Graph g = ModelLoader.load(SHARED.resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite"));
        Dataset test = DatasetSplit.openTest(SHARED.resolve("data/cifar10"), LoadOptions.defaults());
        assertEquals(10_000, test.size());
        GraphPredictor p = new GraphPredictor(g, InputSpec.of(g.input));
        SampleSource src = new SampleSource(null, test, p.inputSpec(), TrainAugment.none(), TestTransform.resize(), 0);
        Evaluation ev = Evaluation.run(p, src, Runtime.getRuntime().availableProcessors(), () -> { });
        assertEquals(10_000, ev.count());
        assertTrue(ev.top1() >= 0.745, "top-1 " + ev.top1());
        int diagonal = 0;
        for (int c = 0; c < 10; c++) {
            diagonal += ev.confusion()[c][c];
        }
        assertEquals(ev.correct(), diagonal, "confusion matrix diagonal holds the correct predictions");
    }
}
