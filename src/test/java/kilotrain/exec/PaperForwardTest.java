package kilotrain.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import kilotrain.importer.pkl.PklImporter;
import kilotrain.ir.Graph;
import kilotrain.ir.Op;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The paper's reference test vectors: last block, pooled feature and logits must match bit for bit. */
class PaperForwardTest {
    static final Path SHARED = Path.of(System.getProperty("user.dir")).resolve("../shared").normalize();
    static final String[] MODELS = {"mcunet-5fps", "mbv2-w0.35", "proxyless-w0.3"};

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (String m : MODELS) {
            JsonNode json = new ObjectMapper().readTree(SHARED.resolve("testvectors/tiny-training/" + m + "/cases.json")
                    .toFile());
            for (JsonNode c : json.get("cases")) {
                out.add(Arguments.of(m, c.get("name").asText()));
            }
        }
        return out.stream();
    }

    static Graph load(String model) {
        return PklImporter.load(SHARED.resolve("models/tiny-training/" + model + ".pkl"));
    }

    static byte[] read(String model, String file) throws IOException {
        return Files.readAllBytes(SHARED.resolve("testvectors/tiny-training/" + model + "/" + file));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void matchesReferenceBitForBit(String model, String name) throws IOException {
        Graph g = load(model);
        Executor ex = new Executor(g);
        byte[] input = kilotrain.data.InputFiles.nchwToNhwc(read(model, name + ".input.int8"), 3, 128, 128);
        byte[] logits = ex.run(input);
        var last = g.marks.get("lastblock");
        byte[] lastRef = kilotrain.data.InputFiles.nchwToNhwc(read(model, name + ".lastblock.int8"), last.channels(), last.height(),
                last.width());
        assertArrayEquals(lastRef, ex.mark("lastblock"), "lastblock");
        assertArrayEquals(read(model, name + ".pool.int8"), ex.mark("pool"), "pool");
        assertArrayEquals(read(model, name + ".logits.int8"), logits, "logits");
    }

    @org.junit.jupiter.api.Test
    void convIndicesFollowThePaper() {
        int[] expected = {43, 52, 61};
        for (int m = 0; m < MODELS.length; m++) {
            Graph g = load(MODELS[m]);
            List<Op> w = g.weightedOps();
            assertEquals(expected[m], w.size(), MODELS[m]);
            for (int i = 0; i < w.size(); i++) {
                assertEquals("conv" + i, w.get(i).name);
            }
            assertEquals(1000, g.output.channels());
        }
    }
}
