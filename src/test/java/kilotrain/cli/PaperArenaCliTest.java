package kilotrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Issue 24's memory acceptance: {@code compile --json}'s arena of the paper's largest schemes at most 0.85x of the
 * reference's published peaks (KB = 1000 B: MobileNetV2 141 KB, ProxylessNAS 135 KB) and MCUNet 148kb not above the
 * 127,532 B it had before the in-place kernels; without them ({@code --no-in-place-kernels}) the arenas are those
 * larger figures again.
 */
class PaperArenaCliTest {
    static final Path MODELS = Path.of(System.getProperty("user.dir")).resolve("../shared").normalize()
            .resolve("models/tiny-training");

    static long arena(String model, String scheme, String... more) throws Exception {
        String[] args = new String[] {"compile", MODELS.resolve(model + ".pkl").toString(), "--scheme", scheme,
            "--json"};
        String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        CompileMemoryCliTest.Run r = CompileMemoryCliTest.run(all);
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        assertEquals(j.get("lower_bound_bytes").asLong(), j.get("arena_bytes").asLong(), scheme + ": the bound");
        return j.get("arena_bytes").asLong();
    }

    @Test
    void arenasAtMost085OfThePublishedPeaks() throws Exception {
        long mbv2 = arena("mbv2-w0.35", "mbv2-w0.35:138kb"), proxyless = arena("proxyless-w0.3",
                "proxyless-w0.3:148kb"), mcunet = arena("mcunet-5fps", "mcunet-5fps:148kb");
        System.out.printf("arena: mbv2-w0.35:138kb %,d B, proxyless-w0.3:148kb %,d B, mcunet-5fps:148kb %,d B%n", mbv2,
                proxyless, mcunet);
        assertTrue(mbv2 <= 119_850, "mbv2-w0.35:138kb " + mbv2);
        assertTrue(proxyless <= 114_750, "proxyless-w0.3:148kb " + proxyless);
        assertTrue(mcunet <= 127_532, "mcunet-5fps:148kb " + mcunet);
        // what the in-place kernels buy: the float32 input gradients and the stem's depthwise forward set the peaks
        assertTrue(arena("proxyless-w0.3", "proxyless-w0.3:148kb", "--no-in-place-kernels") > 114_750);
    }
}
