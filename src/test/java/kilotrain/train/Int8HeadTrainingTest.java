package kilotrain.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.data.DatasetSplit;
import kilotrain.data.InputSpec;
import kilotrain.data.LoadOptions;
import kilotrain.data.SampleSource;
import kilotrain.data.TestTransform;
import kilotrain.data.TrainAugment;
import kilotrain.exec.TrainExecutor;
import kilotrain.program.TrainState;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.Program;
import org.junit.jupiter.api.Test;

/** The new int8 head learns CIFAR-10 on real images: its training loss falls well below chance's ln(10). */
class Int8HeadTrainingTest {
    static final Path SHARED = Path.of(System.getProperty("user.dir")).resolve("../shared").normalize();

    static List<Trainer.EpochMetrics> fineTune(Graph g, String scheme, double lr) {
        DatasetSplit split = DatasetSplit.open(SHARED.resolve("data/cifar10"),
                LoadOptions.defaults().withLimitPerClass(10), LoadOptions.defaults().withLimitPerClass(2));
        SampleSource src = new SampleSource(split, InputSpec.of(g.input), TrainAugment.none(),
                TestTransform.shorterThenCrop(g.input.height()), 4);
        Scheme s = Scheme.resolve(scheme, TrainCompiler.backboneConvs(g).size());
        Program p = TrainCompiler.compile(g, new TrainSpec(s, 10, 4, TrainSpec.Head.INT8));
        assertTrue(p.int8Head());
        TrainState st = new TrainState(p, new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 4));
        return new Trainer(new TrainExecutor(p, st), src, new Trainer.Options(4, 0, lr, 10,
                LrSchedule.Kind.CONSTANT, 2, 1e4)).run(TrainerTest.QUIET, m -> { });
    }

    static void assertLearns(List<Trainer.EpochMetrics> h) {
        assertEquals(4, h.size());
        double first = h.get(0).trainLoss(), last = h.get(h.size() - 1).trainLoss();
        assertTrue(last < first, "training loss falls: " + first + " -> " + last);
        assertTrue(last < 0.8 * Math.log(10), "training loss " + last + " well below chance " + Math.log(10));
    }

    @Test
    void mcunetClassifierOnly() {
        assertLearns(fineTune(TrainerTest.MCUNET, "classifier-only", 0.05));
    }

    @Test
    void resnet8TfliteLastLayers() {
        Graph g = ModelLoader.load(SHARED.resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite"));
        assertLearns(fineTune(g, "last-k:2", 0.1));
    }
}
