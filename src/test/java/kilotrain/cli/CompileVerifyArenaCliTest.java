package kilotrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code kilotrain compile --verify-arena N}: the device's step run from its planned arena, checked bit for bit. */
class CompileVerifyArenaCliTest {
    static final Path RESNET = Path.of(System.getProperty("user.dir")).resolve("../shared").normalize()
            .resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite");

    @Test
    void verifiesThePlannedArena() throws Exception {
        CompileMemoryCliTest.Run r = CompileMemoryCliTest.run("compile", RESNET.toString(), "--scheme", "last-k:4",
                "--fused-updates", "--verify-arena", "3", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.out());
        assertTrue(j.get("arena_verified").asBoolean());
        assertEquals(3, j.get("arena_verified_steps").asInt());
        CompileMemoryCliTest.Run text = CompileMemoryCliTest.run("compile", RESNET.toString(), "--scheme",
                "last-k:4", "--verify-arena", "2");
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("arena verified: 2 training steps"), text.out());
    }
}
