package kilotrain.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Conv2D;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code device-bench --profile} on ResNet-8 (last 3 convs): the profiled build (-DKT_PROFILE) gives the same losses,
 * prediction and parameters as the plain build (else the command fails), has one row per statement of the step, its
 * rows' ticks sum to the plain build's ticks per step within 0.5 % (the tick reads themselves cost a few ticks per
 * row), every row's measured instructions are at least its lower bound, and the forward conv rows count exactly the
 * backbone's MACs as {@code inspect} does.
 */
class CDeviceProfileTest {
    static final Path RESNET = CGeneratorTest.SHARED.resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite");

    @Test
    void profileRowsSumToTheStepAndRespectTheBound(@TempDir Path dir) throws Exception {
        CBuild.requireTool("make");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        String json = CDeviceTest.cli("device-bench", RESNET.toString(), "--scheme", "last-k:3", "--classes", "2",
                "--steps", "2", "--data", CGeneratorTest.SHARED.resolve("data/cifar10").toString(), "--out",
                dir.toString(), "--profile", "--json");
        JsonNode n = new ObjectMapper().readTree(json);
        assertTrue(n.get("bit_exact").asBoolean(), json);
        JsonNode prof = n.get("profile");
        assertNotNull(prof, json);

        // one row per tick read the generated step makes (the entry, then one per statement)
        String model = java.nio.file.Files.readString(dir.resolve("kt_model.c"));
        int reads = model.split("\n    KT_PROF\\(", -1).length - 1;
        JsonNode rows = prof.get("rows");
        assertTrue(reads > 10, "the step has tick reads");
        assertEquals(reads, rows.size(), "one row per statement of the step");

        long sum = 0, convMacs = 0;
        for (JsonNode r : rows) {
            long ticks = r.get("ticks").asLong();
            sum += ticks;
            assertTrue(r.get("bound_ticks").asDouble() <= ticks + 1, "row under its lower bound: " + r);
            if (r.get("op").asText().equals("conv_fwd") || r.get("op").asText().equals("conv_dw_fwd")) {
                convMacs += r.get("macs").asLong();
            }
        }
        long step = n.get("ticks_per_step").asLong();
        assertEquals(sum, prof.get("ticks_per_step").asLong());
        assertTrue(Math.abs(sum - step) <= step / 200, "rows sum to " + sum + ", the plain step is " + step);
        // the backbone's convs counted as inspect does, plus the new head's 1x1 conv (64 features x 2 classes)
        long graphConvMacs = 2 * 64;
        for (Conv2D c : kilotrain.compiler.TrainCompiler.backboneConvs(ModelLoader.load(RESNET))) {
            graphConvMacs += c.macs();
        }
        assertEquals(graphConvMacs, convMacs, "forward conv MACs");
        assertTrue(prof.get("bound_ticks").asDouble() < sum, json);
    }

    @Test
    void aDifferentResultOfTheProfiledBuildIsFound() {
        String plain = "step 0 label 1 loss 3f000000 ticks 100\npredict 1 3f800000 00000000\nparams 0a0b\n0c\nend\n";
        assertNull(kilotrain.device.StepProfile.sameResults(plain, plain.replace("ticks 100", "ticks 117")));
        assertNotNull(kilotrain.device.StepProfile.sameResults(plain, plain.replace("0c", "0d")));
        assertNotNull(kilotrain.device.StepProfile.sameResults(plain, plain.replace("loss 3f000000", "loss 3f000001")));
        assertNotNull(kilotrain.device.StepProfile.sameResults(plain, plain.replace("predict 1", "predict 0")));
    }
}
