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
 * Learning on the emulated board across a reset (device-demo): ResNet-8 (pretrained on CIFAR-10 only) learns a new
 * 4-class head, three CIFAR-10 classes and MNIST digits, a class its training never saw, from 12 training images
 * through the firmware library, summing gradients over 2 samples per update, saving every 3 into flash kept in a
 * file; the power goes after 10, QEMU boots again, restores the save at 9 (in the middle of a batch: the gradient sums
 * come back with the parameters, master copies and generators) and learns on; every loss of both boots, and the
 * held-out predictions and logits, equal the Java twin's, so the accuracies are equal.
 */
class DeviceDemoTest {
    @Test
    void learnsAcrossAResetLikeTheTwin(@TempDir Path dir) throws Exception {
        CBuild.requireTool("make");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        String out = ImportParamsTest.stdout(() -> Main.run("device-demo", ImportParamsTest.RESNET.toString(),
                "--scheme", "last-k:2", "--classes", "3", "--new-class", CGeneratorTest.SHARED.resolve("data/mnist")
                        .toString(), "--accumulate", "2", "--stream", "12", "--held-out", "8", "--every", "3", "--cut",
                "10", "--data", CGeneratorTest.SHARED.resolve("data/cifar10").toString(), "--out", dir.toString(),
                "--json"));
        JsonNode j = new ObjectMapper().readTree(out);
        assertTrue(j.get("bit_exact").asBoolean(), out);
        assertEquals(9, j.get("resumed_from").asInt(), out);
        assertEquals(4, j.get("saves").asInt(), out);
        assertEquals(3, j.get("new_class_learned").asInt(), out);
        assertEquals(2, j.get("new_class_held_out").asInt(), out);
        assertEquals(j.get("twin_correct").asInt(), j.get("device_correct").asInt(), out);
        assertTrue(Files.readString(dir.resolve("kt_model.h")).contains("#define KT_CLASSES 4"));
        String log = Files.readString(dir.resolve("demo.log"));
        assertTrue(log.contains("learn 9 ") && log.contains("power cut"), log);
        assertTrue(log.contains("boot restore ok samples 9"), log);
        assertTrue(Files.size(dir.resolve("kt_flash.bin")) > 0);
    }
}
