package kilotrain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import kilotrain.data.DatasetSplit;
import kilotrain.data.InputSpec;
import kilotrain.data.LoadOptions;
import kilotrain.data.SampleSource;
import kilotrain.data.TestTransform;
import kilotrain.data.TrainAugment;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The accuracy protocol's training inputs: given the same random draws (crop box, flip, jitter order and factors),
 * {@code --augment pil --reference-pixels} produces the reference implementation's augmented training images bit for
 * bit. The resource holds, for 400 (seed, epoch, sample) triples, a CRC-32 of the int8 input the reference's own
 * dataset and PIL pipeline made from kilotrain's draws (docs/reference/dump_train_inputs.py). So the protocol's
 * augmentation is the reference's law exactly; what can still differ between the two systems is only which draws
 * each makes. The default jitter, torchvision's float arithmetic, differs from Pillow's by design.
 */
class ReferenceTrainInputsTest {
    private static final TrainAugment PIL =
            TrainAugment.standard().withJitter(TrainAugment.standard().jitter().withPil(true));

    private static List<String[]> expected;
    private static Graph graph;
    private static DatasetSplit split;
    private static Map<String, Integer> index;

    /** The model, the 5,000 training images and the expected CRCs are read once for both tests. */
    @BeforeAll
    static void load() throws IOException {
        expected = ReferenceTestLogitsTest.resourceRows("/kilotrain/model/reference-train-inputs.txt");
        Path shared = ResnetCifarAccuracyTest.SHARED;
        graph = ModelLoader.load(shared.resolve("models/tiny-training/mcunet-5fps.pkl"));
        LoadOptions base = LoadOptions.defaults().withRawBytes(graph.input.elements());
        split = DatasetSplit.open(shared.resolve("data/cifar10"), base.withLimitPerClass(500),
                base.withLimitPerClass(200));
        index = new HashMap<>();
        for (int i = 0; i < split.train().size(); i++) {
            index.put(ReferenceTestLogitsTest.relative(split.train().name(i)), i);
        }
    }

    @Test
    void pilAugmentationWithReferencePixelsIsTheReferencesPipeline() {
        assertEquals(400, expected.size());
        List<String> wrong = mismatches(PIL);
        assertTrue(wrong.isEmpty(), wrong.size() + " of 400 training inputs differ from the reference's, e.g. "
                + wrong.subList(0, Math.min(5, wrong.size())));
    }

    @Test
    void defaultFloatJitterIsNotPillowsArithmetic() {
        List<String> wrong = mismatches(TrainAugment.standard());
        assertTrue(wrong.size() > 390, "the float jitter should differ from Pillow's on nearly every sample, "
                + wrong.size() + " of 400 do");
    }

    private static List<String> mismatches(TrainAugment augment) {
        Map<Long, SampleSource> bySeed = new HashMap<>();
        byte[] x = new byte[graph.input.elements()];
        List<String> wrong = new ArrayList<>();
        for (String[] e : expected) {
            long seed = Long.parseLong(e[0]);
            int epoch = Integer.parseInt(e[1]);
            Integer i = index.get(e[2]);
            assertTrue(i != null, "no training sample " + e[2]);
            SampleSource src = bySeed.computeIfAbsent(seed, s -> new SampleSource(split,
                    InputSpec.referencePixels(graph.input), augment, TestTransform.shorterThenCrop(147), s));
            src.fill(i, epoch, x);
            CRC32 crc = new CRC32();
            crc.update(x);
            String got = String.format("%08x", crc.getValue());
            if (!got.equals(e[3])) {
                wrong.add("seed " + e[0] + " epoch " + e[1] + " " + e[2] + " (CRC " + got + " vs " + e[3] + ")");
            }
        }
        return wrong;
    }
}
