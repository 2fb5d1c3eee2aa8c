package kilotrain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
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
 * The accuracy protocol's test path (first 200 test images per class, resize 147, centre crop 128, the reference's
 * pixels, the int8 forward) gives the reference implementation's own int8 logits on all 2,000 images, every value:
 * the resource holds a CRC-32 of each image's 1,000 ImageNet logits as tiny-training computed them on this
 * machine (docs/reference/). So a test-accuracy difference between kilotrain and the reference under the protocol
 * comes from training, never from how the test images reach the network.
 */
class ReferenceTestLogitsTest {
    @Test
    void protocolTestSetMatchesTheReferenceBitForBit() throws IOException {
        Map<String, String[]> expected = readExpected();
        assertEquals(2000, expected.size());
        Path shared = ResnetCifarAccuracyTest.SHARED;
        Graph g = ModelLoader.load(shared.resolve("models/tiny-training/mcunet-5fps.pkl"));
        Dataset test = DatasetSplit.openTest(shared.resolve("data/cifar10"), LoadOptions.defaults().withLimitPerClass(200));
        assertEquals(2000, test.size());
        GraphPredictor p = new GraphPredictor(g, InputSpec.referencePixels(g.input));
        SampleSource src = new SampleSource(null, test, p.inputSpec(), TrainAugment.none(),
                TestTransform.shorterThenCrop(147), 0);
        Predictor.Scorer scorer = p.scorer();
        byte[] x = new byte[g.input.elements()];
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < test.size(); i++) {
            String key = relative(test.name(i));
            String[] ref = expected.get(key);
            assertTrue(ref != null, "no reference logits for " + key);
            src.fillTest(i, x);
            scorer.scores(x);
            byte[] logits = scorer.rawOutput();
            assertEquals(1000, logits.length);
            CRC32 crc = new CRC32();
            crc.update(logits);
            String got = String.format("%08x", crc.getValue());
            if (!got.equals(ref[0])) {
                wrong.add(key + " (CRC " + got + " vs " + ref[0] + ", argmax " + argmax(logits) + " vs " + ref[1] + ")");
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " of 2000 images differ from the reference, e.g. "
                + wrong.subList(0, Math.min(5, wrong.size())));
    }

    private static Map<String, String[]> readExpected() throws IOException {
        Map<String, String[]> m = new LinkedHashMap<>();
        for (String[] f : resourceRows("/kilotrain/model/reference-test-logits.txt")) {
            m.put(f[0], new String[] {f[1], f[2]});
        }
        return m;
    }

    /** The space-separated fields of each line of a test resource, '#' comment lines and blank lines skipped. */
    static List<String[]> resourceRows(String resource) throws IOException {
        List<String[]> rows = new ArrayList<>();
        try (var in = ReferenceTestLogitsTest.class.getResourceAsStream(resource);
                var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.startsWith("#") && !line.isBlank()) {
                    rows.add(line.trim().split(" "));
                }
            }
        }
        return rows;
    }

    /** "class/file.jpg" of a sample name that ends in the image's path. */
    static String relative(String name) {
        Path path = Path.of(name);
        int n = path.getNameCount();
        return path.getName(n - 2) + "/" + path.getName(n - 1);
    }

    private static int argmax(byte[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
