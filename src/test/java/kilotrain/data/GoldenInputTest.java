package kilotrain.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * The reference implementation's int8 inputs (CIFAR-10 test JPEGs resized to 128x128, pixel - 128, NCHW) are
 * reproduced bit for bit by the default test-time path; the PyTorch-style resize is within 1.
 */
class GoldenInputTest {
    static final Path VECTORS = DatasetsTest.SHARED.resolve("testvectors/tiny-training");

    @Test
    void referenceInputsReproduced() throws IOException {
        InputSpec spec = AugmentTest.spec(128, 128, 3);
        int cases = 0;
        try (Stream<Path> dirs = Files.list(VECTORS)) {
            for (Path dir : dirs.sorted().toList()) {
                Path json = dir.resolve("cases.json");
                if (!Files.isRegularFile(json)) {
                    continue;
                }
                JsonNode root = new ObjectMapper().readTree(json.toFile());
                for (JsonNode c : root.get("cases")) {
                    if (c.get("source_image") == null) {
                        continue;
                    }
                    Path image = DatasetsTest.SHARED.resolve(c.get("source_image").asText());
                    byte[] ref = Files.readAllBytes(dir.resolve(c.get("input").get("file").asText()));
                    byte[] pil = InputFiles.load(image, spec, TestTransform.resize(), true);
                    byte[] torch = torchStyle(image, spec);
                    int hw = 128 * 128;
                    int maxTorch = 0;
                    for (int ch = 0; ch < 3; ch++) {
                        for (int i = 0; i < hw; i++) {
                            assertEquals(ref[ch * hw + i], pil[i * 3 + ch], dir + " " + c.get("name") + " ch " + ch
                                    + " pixel " + i);
                            maxTorch = Math.max(maxTorch, Math.abs(ref[ch * hw + i] - torch[i * 3 + ch]));
                        }
                    }
                    assertTrue(maxTorch <= 1, "torch-style resize differs by " + maxTorch);
                    cases++;
                }
            }
        }
        assertTrue(cases >= 4, "golden cases found: " + cases);
    }

    private static byte[] torchStyle(Path image, InputSpec spec) {
        DecodedImage img = ImageDecoder.decode(image);
        Dataset one = new Dataset(image.toString(), Dataset.Kind.IMAGE, List.of("x"), new byte[][] {img.pixels()},
                new int[] {img.height()}, new int[] {img.width()}, new int[] {img.channels()}, new int[] {0},
                i -> image.toString(), List.of());
        SampleSource s = new SampleSource(null, one, spec, TrainAugment.none(), TestTransform.resize(), 0,
                Interpolation.TORCH);
        byte[] out = new byte[spec.bytes()];
        s.fillTest(0, out);
        return out;
    }
}
