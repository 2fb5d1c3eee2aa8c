package kilotrain.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import kilotrain.cli.Main;
import kilotrain.model.TrainedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kt_store's power-loss safety (kt_store_test.c): for every cut point of three saves (before each erase or program,
 * and at every byte of it, that byte torn), a reboot restores the previous state or the new one, bit for bit, never a
 * corrupt one; states of another model or format version are refused. ResNet-8 with the last two convs' biases, its
 * last conv's weights and a float head trained (int8, int32 and float32 parameters), on the host and on QEMU's
 * mps2-an500, which must print the same counts.
 */
class KtStoreTest {
    static final Pattern RESULT = Pattern.compile(
            "store-test cut_points (\\d+) old (\\d+) new (\\d+) corrupt (\\d+) violations (\\d+) params_bytes (\\d+)");

    @Test
    void everyCutPointOfASaveRestoresTheOldOrTheNewState(@TempDir Path dir) throws Exception {
        CBuild.requireTool("gcc");
        CBuild.requireTool("make");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        Path project = dir.resolve("lib");
        ImportParamsTest.stdout(() -> Main.run("compile", ImportParamsTest.RESNET.toString(), "--scheme", "last-k:2",
                "--head", "float", "--classes", "10", "--target", "host", "--out", project.toString()));
        TrainedModel start = TrainedModel.load(project.resolve("start.ktm"));
        int[] labels = new int[5];
        List<byte[]> inputs = CGeneratorTest.cifarTestSamples(start.graph, labels);
        CGenerator.writeSamples(project, inputs, labels, 4);
        // the fault-injection program is a test resource, not part of every generated project
        assertTrue(!Files.exists(project.resolve("kt_store_test.c")));
        Files.writeString(project.resolve("kt_store_test.c"), CGenerator.resource("kt_store_test.c"));

        String host = result(CBuild.run(project, List.of("make", "-s", "store-test"), 600));
        System.out.println("kt_store fault injection, host gcc: " + host);
        String qemu = result(CBuild.run(project, List.of("make", "-s", "store-test-qemu"), 900));
        System.out.println("kt_store fault injection, QEMU mps2-an500: " + qemu);
        assertEquals(host, qemu, "the board cuts the same saves at the same points with the same outcomes");

        Matcher m = RESULT.matcher(host);
        assertTrue(m.find());
        long cuts = Long.parseLong(m.group(1)), old = Long.parseLong(m.group(2)), neu = Long.parseLong(m.group(3));
        assertEquals(0, Long.parseLong(m.group(4)), "corrupt restores");
        assertEquals(0, Long.parseLong(m.group(5)), "flash misuse (unaligned, programmed twice) or failed checks");
        assertEquals(cuts, old + neu);
        assertTrue(neu >= 4, "each save's completed commit restores the new state");
        long params = Long.parseLong(m.group(6));
        assertTrue(Files.readString(project.resolve("kt_model.h")).contains("#define KT_PARAMS_BYTES " + params + "u"));
        // every byte of every erase and program of four saves: at least the payload's bytes and a slot's erase each
        assertTrue(cuts > 8 * params, cuts + " cut points for " + params + " parameter bytes");
    }

    private static String result(String out) {
        Matcher m = RESULT.matcher(out);
        assertTrue(m.find(), out);
        return m.group();
    }
}
