package kilotrain.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import kilotrain.cli.Main;
import kilotrain.compiler.Scheme;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search end to end on a TFLite model, with real fine-tunes (tiny subsets): analyze, plan --verify with the
 * verifying fine-tunes under other settings than the analysis', then the found scheme compiles and trains.
 */
class SearchPipelineCliTest {
    static final Path RESNET = SchemePlannerTest.SHARED.resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite");
    static final Path CIFAR = SchemePlannerTest.SHARED.resolve("data/cifar10");

    @TempDir
    static Path dir;

    @BeforeAll
    static void analyze() {
        assertEquals(0, analyze(dir.resolve("analysis")));
        assertEquals(0, analyze(dir.resolve("analysis-whole"), "--no-reuse-frozen"));
    }

    private static int analyze(Path out, String... more) {
        String[] base = {"analyze", "--model", RESNET.toString(), "--data", CIFAR.toString(),
            "--train-limit-per-class", "2", "--test-limit-per-class", "2", "--batch", "4", "--bias-k", "1,2",
            "--layers", "5,6", "--ratios", "1/2,1", "--out", out.toString()};
        String[] args = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return Main.run(args);
    }

    @Test
    void reusingTheFrozenFrontChangesNoAccuracy() throws Exception {
        Path whole = dir.resolve("analysis-whole");
        assertEquals(Files.readString(dir.resolve("analysis/analysis.csv")), Files.readString(whole.resolve("analysis.csv")));
    }

    @Test
    void planVerifiesUnderReplacedSettingsAndTheSchemeCompilesAndTrains() throws Exception {
        Path scheme = dir.resolve("found.json");
        String out = capture(true, () -> assertEquals(0, Main.run("plan", "--model", RESNET.toString(), "--analysis",
                dir.resolve("analysis").toString(), "--sram-budget", "64K", "--flash-budget", "1M", "--sweep", "2",
                "--out", scheme.toString(), "--verify", "--verify-set", "epochs=2", "--verify-set",
                "train_limit_per_class=3", "--verify-set", "lr=0.01", "--verify-set", "data=" + CIFAR,
                "--verify-set", "optimizer=sgdm", "--json")));
        JsonNode o = new ObjectMapper().readTree(out);
        JsonNode vs = o.get("verify_settings");
        assertEquals(2, vs.get("epochs").asInt());
        assertEquals(3, vs.get("train_limit_per_class").asInt());
        assertEquals(30, vs.get("train_samples").asInt(), "the verification's own sample count, not the analysis'");
        assertFalse(vs.has("wall_seconds"), "the analysis' wall time is not a verification setting");
        assertEquals(0.01, vs.get("lr").asDouble());
        assertEquals(2, vs.get("test_limit_per_class").asInt(), "settings not replaced stay the analysis' own");
        assertEquals(CIFAR.toAbsolutePath().normalize().toString(), vs.get("data").asText());
        double acc = o.get("verified_accuracy").asDouble();
        assertTrue(acc >= 0 && acc <= 1, "accuracy " + acc);
        assertTrue(o.get("sram_total_bytes").asLong() <= 64 * 1024);
        assertFalse(o.has("published_verified"), "ResNet-8 has no published scheme");

        Scheme s = Scheme.resolve(scheme.toString(), 8);
        assertEquals(o.get("scheme").get("name").asText(), s.name);
        assertEquals(0, Main.run("compile", RESNET.toString(), "--scheme", scheme.toString(), "--sram-budget", "64K",
                "--flash-budget", "1M"));
        Path run = dir.resolve("train");
        assertEquals(0, Main.run("train", "--model", RESNET.toString(), "--data", CIFAR.toString(), "--scheme",
                scheme.toString(), "--train-limit-per-class", "2", "--test-limit-per-class", "2", "--epochs", "1",
                "--batch", "4", "--out", run.toString()));
        assertTrue(Files.isRegularFile(run.resolve("metrics.json")));
        assertTrue(Files.isRegularFile(run.resolve("model.tflite")), "a TFLite model trains the int8 head by default "
                + "and comes back as TFLite");
    }

    @Test
    void planAveragesRepeatedAnalyses() throws Exception {
        Path one = dir.resolve("one.json"), two = dir.resolve("two.json");
        String a = capture(true, () -> assertEquals(0, Main.run("plan", "--model", RESNET.toString(), "--analysis",
                dir.resolve("analysis").toString(), "--sram-budget", "64K", "--sweep", "0", "--out", one.toString(),
                "--json")));
        String b = capture(true, () -> assertEquals(0, Main.run("plan", "--model", RESNET.toString(), "--analysis",
                dir.resolve("analysis").toString(), "--analysis", dir.resolve("analysis-whole").toString(),
                "--sram-budget", "64K", "--sweep", "0", "--out", two.toString(), "--json")));
        JsonNode x = new ObjectMapper().readTree(a), y = new ObjectMapper().readTree(b);
        assertEquals(2, y.get("analyses_averaged").asInt());
        assertEquals(x.get("scheme"), y.get("scheme"), "the mean of two equal analyses plans the same");
        assertEquals(x.get("predicted_accuracy").asDouble(), y.get("predicted_accuracy").asDouble(), 1e-12);
    }

    @Test
    void aMistypedVerifySettingIsNamed() {
        String err = capture(false, () -> assertEquals(1, Main.run("plan", "--model", RESNET.toString(), "--analysis",
                dir.resolve("analysis").toString(), "--sram-budget", "64K", "--sweep", "0", "--out",
                dir.resolve("x.json").toString(), "--verify", "--verify-set", "epoch=10")));
        assertTrue(err.contains("unknown setting 'epoch'") && err.contains("epochs"), err);
        err = capture(false, () -> assertEquals(1, Main.run("plan", "--model", RESNET.toString(), "--analysis",
                dir.resolve("analysis").toString(), "--sram-budget", "64K", "--sweep", "0", "--out",
                dir.resolve("y.json").toString(), "--verify-set", "epochs=10")));
        assertTrue(err.contains("add --verify"), err);
        err = capture(false, () -> assertEquals(1, Main.run("plan", "--model", RESNET.toString(), "--analysis",
                dir.resolve("analysis").toString(), "--sram-budget", "64K", "--sweep", "0", "--out",
                dir.resolve("z.json").toString(), "--verify", "--verify-set", "data=" + dir.resolve("nowhere"))));
        assertTrue(err.contains("data=") && err.contains("not a folder"), err);
        err = capture(false, () -> assertEquals(1, Main.run("plan", "--model", RESNET.toString(), "--analysis",
                dir.resolve("analysis").toString(), "--sram-budget", "64K", "--sweep", "0", "--out",
                dir.resolve("w.json").toString(), "--verify", "--verify-set", "optimizer=adam")));
        assertTrue(err.contains("optimizer") && err.contains("adam"), err);
        err = capture(false, () -> assertEquals(1, Main.run("plan", "--model", RESNET.toString(), "--analysis",
                dir.resolve("analysis").toString(), "--sram-budget", "64K", "--sweep", "0", "--out",
                dir.resolve("v.json").toString(), "--verify", "--verify-set", "update_rule=stochasitc")));
        assertTrue(err.contains("stochasitc"), err);
        assertFalse(Files.exists(dir.resolve("v.json")), "a mistyped setting fails before the search writes a scheme");
    }

    private static String capture(boolean stdout, Runnable r) {
        PrintStream old = stdout ? System.out : System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream p = new PrintStream(buf, true);
        if (stdout) {
            System.setOut(p);
        } else {
            System.setErr(p);
        }
        try {
            r.run();
        } finally {
            if (stdout) {
                System.setOut(old);
            } else {
                System.setErr(old);
            }
        }
        return buf.toString();
    }
}
