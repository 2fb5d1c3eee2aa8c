package kilotrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import kilotrain.codegen.CBuild;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --device-steps}: the host fine-tune continues on the emulated Cortex-M7, bit for bit. */
class TrainOnDeviceTest {
    @Test
    void fineTunedResnetTrainsOnTheEmulatedBoard(@TempDir Path dir) throws Exception {
        for (String tool : new String[] {"make", "arm-none-eabi-gcc", "qemu-system-arm"}) {
            CBuild.requireTool(tool);
        }
        Path out = dir.resolve("run");
        CliTest.Result r = CliTest.run("train", "--json",
                "--model", CliTest.SHARED.resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite").toString(),
                "--data", CliTest.SHARED.resolve("data/cifar10").toString(), "--scheme", "last-k:2",
                "--train-limit-per-class", "3", "--test-limit-per-class", "2", "--epochs", "1", "--batch", "8",
                "--lr", "0.01", "--device-steps", "4", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode device = CliTest.JSON.readTree(Files.readString(out.resolve("device.json")));
        assertTrue(device.get("bit_exact").asBoolean(), device.toString());
        assertEquals(4, device.get("losses").size());
        assertTrue(device.get("ticks_per_step").asLong() > device.get("ticks_per_inference").asLong(), device.toString());
        assertTrue(device.get("sram_bytes").asLong() <= 256 * 1024, device.toString());
        assertTrue(device.get("flash_bytes").asLong() <= 1024 * 1024, device.toString());
        assertTrue(Files.exists(out.resolve("device/Makefile")));
        assertEquals(device.get("ticks_per_step"), CliTest.JSON.readTree(r.out()).get("device").get("ticks_per_step"));
        assertTrue(r.err().contains("bit-exact with the host twin: true"), r.err());
    }
}
