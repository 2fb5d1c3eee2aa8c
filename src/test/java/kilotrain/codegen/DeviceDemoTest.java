package kilotrain.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import kilotrain.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Learning on the emulated board across a reset (device-demo): ResNet-8 learns 12 CIFAR-10 training images through the
 * firmware library, saving every 4 into flash kept in a file; the power goes after 10, QEMU boots again, restores the
 * save at 8 and learns on; every loss of both boots, and the held-out predictions and logits, equal the Java twin's
 * (whose state after the reset is the parameters saved at 8), so the accuracies are equal.
 */
class DeviceDemoTest {
    @Test
    void learnsAcrossAResetLikeTheTwin(@TempDir Path dir) throws Exception {
        CBuild.requireTool("make");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        String out = ImportParamsTest.stdout(() -> Main.run("device-demo", ImportParamsTest.RESNET.toString(),
                "--scheme", "last-k:2", "--classes", "10", "--stream", "12", "--held-out", "10", "--every", "4", "--cut",
                "10", "--data", CGeneratorTest.SHARED.resolve("data/cifar10").toString(), "--out", dir.toString(),
                "--json"));
        JsonNode j = new ObjectMapper().readTree(out);
        assertTrue(j.get("bit_exact").asBoolean(), out);
        assertEquals(8, j.get("resumed_from").asInt(), out);
        assertEquals(3, j.get("saves").asInt(), out);
        assertEquals(j.get("twin_correct").asInt(), j.get("device_correct").asInt(), out);
        String log = Files.readString(dir.resolve("demo.log"));
        assertTrue(log.contains("learn 9 ") && log.contains("power cut"), log);
        assertTrue(log.contains("boot restore ok samples 8"), log);
        assertTrue(Files.size(dir.resolve("kt_flash.bin")) > 0);
    }
}
