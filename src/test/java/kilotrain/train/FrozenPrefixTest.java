package kilotrain.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.data.DatasetSplit;
import kilotrain.data.InputSpec;
import kilotrain.data.LoadOptions;
import kilotrain.data.SampleSource;
import kilotrain.data.Samples;
import kilotrain.data.TestTransform;
import kilotrain.data.TrainAugment;
import kilotrain.exec.TrainExecutor;
import kilotrain.program.TrainState;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.ops.core.Param;
import org.junit.jupiter.api.Test;

class FrozenPrefixTest {
    static final Path SHARED = Path.of(System.getProperty("user.dir")).resolve("../shared").normalize();
    static final Graph RESNET = ModelLoader.load(SHARED.resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite"));

    static SampleSource cifar(Graph g) {
        DatasetSplit split = DatasetSplit.open(SHARED.resolve("data/cifar10"),
                LoadOptions.defaults().withLimitPerClass(2), LoadOptions.defaults().withLimitPerClass(2));
        return new SampleSource(split, InputSpec.of(g.input), TrainAugment.standard(), TestTransform.resize(), 0);
    }

    @Test
    void theSuffixTrainsBitForBitLikeTheWholeGraph() {
        SampleSource src = cifar(RESNET);
        int n = TrainCompiler.backboneConvs(RESNET).size();
        Scheme s = new Scheme("t", 3, Map.of(7, 0.5, 8, 1.0), false);
        FrozenPrefix p = FrozenPrefix.before(RESNET, FrozenPrefix.firstTrained(s, n), src, 2, Long.MAX_VALUE);
        assertNotNull(p);
        // conv 7 reads conv 6's output, but the residual branch (conv 8, the add) reads the block input across that
        // point, so the cut moves back to the block input: 6 convs computed once.
        assertEquals(6, p.skippedConvs());
        assertSame(RESNET.ops.get(7).output(), p.suffix().input);
        assertTrue(p.covers(s, n));
        assertTrue(p.covers(Scheme.classifierOnly(), n));
        assertFalse(p.covers(Scheme.biasOnly(5), n), "bias-only:5 trains conv 5, before the cut");
        assertFalse(p.covers(Scheme.full(), n));

        TrainState whole = train(RESNET, s, src);
        TrainState cut = train(p.suffix(), p.shift(s), p);
        assertTrue(p.cachedSamples() >= src.trainSize() * 2L + src.testSize());
        List<Param> a = whole.program().params, b = cut.program().params;
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            Param pa = a.get(i), pb = b.get(i);
            assertEquals(pa.role, pb.role);
            if (pa.conv != null) {
                assertEquals(pa.conv.index, pb.conv.index + 6);
            }
            assertTrue(Objects.deepEquals(new Object[] {whole.value(pa)}, new Object[] {cut.value(pb)}),
                    "parameter " + pa.name + " differs after training on the suffix");
        }
        // a second fine-tune reads the cache and still agrees
        TrainState again = train(p.suffix(), p.shift(s), p);
        for (int i = 0; i < a.size(); i++) {
            assertTrue(Objects.deepEquals(new Object[] {whole.value(a.get(i))},
                    new Object[] {again.value(again.program().params.get(i))}));
        }
    }

    private static TrainState train(Graph g, Scheme s, Samples samples) {
        TrainState.Options so = new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC, BiasRounding.FLOAT_SHADOW,
                0, 1f);
        TrainState state = new TrainState(TrainCompiler.compile(g, new TrainSpec(s, 10, 0, TrainSpec.Head.INT8)), so);
        Trainer t = new Trainer(new TrainExecutor(state.program(), state), samples,
                new Trainer.Options(1, 1, 0.05, 4, LrSchedule.Kind.COSINE, 2, Trainer.explodingLoss(10)));
        t.run(Trainer.Progress.NONE, m -> {
        });
        return state;
    }

    @Test
    void noCutWhereNothingIsFrozenOrTheCacheWouldNotFit() {
        SampleSource src = cifar(RESNET);
        assertNull(FrozenPrefix.before(RESNET, 0, src, 1, Long.MAX_VALUE), "conv 0 trains: nothing is frozen");
        assertNull(FrozenPrefix.before(RESNET, 7, src, 1, 1000), "40 samples of 16 KiB do not fit in 1000 bytes");
        FrozenPrefix p = FrozenPrefix.before(RESNET, 1, src, 1, Long.MAX_VALUE);
        assertNotNull(p);
        assertEquals(1, p.skippedConvs());
        assertEquals(32 * 32 * 16, p.cutBytes());
    }
}
