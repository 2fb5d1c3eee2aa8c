package kilotrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import kilotrain.codegen.CBuild;
import kilotrain.model.TrainedModel;
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
        // what the board trained comes back as a model: the host model plus the device's 4 steps
        TrainedModel host = TrainedModel.load(out.resolve("model.ktm"));
        TrainedModel board = TrainedModel.load(out.resolve("device/model.ktm"));
        assertEquals(out.resolve("device/model.ktm").toString(), device.get("model").asText());
        assertEquals(host.classes, board.classes);
        long changed = 0;
        for (int i = 0; i < host.program.params.size(); i++) {
            Object a = host.state.value(host.program.params.get(i)), b = board.state.value(board.program.params.get(i));
            changed += a instanceof byte[] x ? (java.util.Arrays.equals(x, (byte[]) b) ? 0 : 1)
                    : a instanceof int[] x ? (java.util.Arrays.equals(x, (int[]) b) ? 0 : 1)
                    : (java.util.Arrays.equals((float[]) a, (float[]) b) ? 0 : 1);
        }
        assertTrue(changed > 0 && device.get("changed_values").asLong() > 0, "the device's steps changed parameters");
        CliTest.Result eval = CliTest.run("eval", out.resolve("device/model.ktm").toString(),
                CliTest.SHARED.resolve("data/cifar10").toString(), "--limit-per-class", "2", "--json");
        assertEquals(0, eval.code(), eval.err());
        assertEquals(20, CliTest.JSON.readTree(eval.out()).get("count").asInt());
    }
}
