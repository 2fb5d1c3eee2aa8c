package kilotrain.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as users run it: exit codes, JSON output, clear errors without stack traces. */
class CliTest {
    static final Path SHARED = Path.of(System.getProperty("user.dir")).resolve("../shared").normalize();
    static final ObjectMapper JSON = new ObjectMapper();

    record Result(int code, String out, String err) {
    }

    static synchronized Result run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void inspectReportsMcunetBackbone() throws Exception {
        Result r = run("inspect", "--json", SHARED.resolve("models/tiny-training/mcunet-5fps.pkl").toString());
        assertEquals(0, r.code(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals(42, j.get("backbone_convs").asInt());
        assertEquals(22.45e6, j.get("backbone_macs").asDouble(), 0.01 * 22.45e6);
        assertTrue(j.get("weight_bytes").asLong() > 400_000);
        assertTrue(j.get("peak_activation_bytes").asLong() > 0);
        assertEquals(51, j.get("layers").size());
        // the operator's own fields, from its registration (ops/conv/ConvEntry): MCUNet's stem is a 3x3 stride-2 conv
        JsonNode stem = j.get("layers").get(0);
        assertEquals("3x3", stem.get("kernel").asText());
        assertEquals(2, stem.get("stride").asInt());
        assertEquals(1, stem.get("groups").asInt());
    }

    @Test
    void predictMatchesReferenceLogitsAndWritesRawOutput(@TempDir Path dir) throws Exception {
        Path raw = dir.resolve("out.int8");
        Path in = SHARED.resolve("testvectors/tiny-training/mcunet-5fps/case0.input.int8");
        Result r = run("predict", "--json", "--raw-output", raw.toString(),
                SHARED.resolve("models/tiny-training/mcunet-5fps.pkl").toString(), in.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode j = JSON.readTree(r.out());
        byte[] ref = Files.readAllBytes(SHARED.resolve("testvectors/tiny-training/mcunet-5fps/case0.logits.int8"));
        assertEquals(1000, j.get("output").size());
        for (int i = 0; i < ref.length; i++) {
            assertEquals(ref[i], j.get("output").get(i).asInt(), "logit " + i);
        }
        assertEquals(675, j.get("top1").asInt(), "the reference's top-1 ImageNet class");
        assertTrue(java.util.Arrays.equals(ref, Files.readAllBytes(raw)));
    }

    @Test
    void evalJsonOnASubset() throws Exception {
        Result r = run("eval", "--json", "--limit-per-class", "20",
                SHARED.resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite").toString(),
                SHARED.resolve("data/cifar10").toString());
        assertEquals(0, r.code(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals(200, j.get("count").asInt());
        double top1 = j.get("top1").asDouble();
        assertTrue(top1 > 0.5 && top1 <= 1.0, "top1 " + top1);
        assertTrue(j.get("images_per_second").asDouble() > 0);
        assertEquals(10, j.get("confusion").size());
    }

    @Test
    void badInputsGiveClearErrors(@TempDir Path dir) throws Exception {
        Path junk = dir.resolve("model.tflite");
        Files.write(junk, new byte[] {1, 2, 3});
        Result r = run("inspect", junk.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: ") && r.err().contains(junk.toString()), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());

        Result s = run("compile", SHARED.resolve("models/tiny-training/mcunet-5fps.pkl").toString(), "--scheme",
                "nonsense");
        assertEquals(1, s.code());
        assertTrue(s.err().contains("unknown scheme 'nonsense'"), s.err());

        Path img = dir.resolve("broken.jpg");
        Files.write(img, new byte[] {(byte) 0xff, (byte) 0xd8, 0, 0});
        Result p = run("predict", SHARED.resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite").toString(),
                img.toString());
        assertEquals(1, p.code());
        assertTrue(p.err().contains(img.toString()), p.err());

        String model = SHARED.resolve("models/tiny-training/mcunet-5fps.pkl").toString();
        String data = SHARED.resolve("data/cifar10").toString();
        Result both = run("train", "--model", model, "--data", data, "--out", dir.resolve("o1").toString(),
                "--reference-pixels", "--pixel-offset", "127.5", "--train-limit-per-class", "1");
        assertEquals(1, both.code());
        assertTrue(both.err().contains("--reference-pixels excludes --pixel-offset"), both.err());
        Result aug = run("train", "--model", model, "--data", data, "--out", dir.resolve("o2").toString(),
                "--augment", "pillow", "--train-limit-per-class", "1");
        assertEquals(1, aug.code());
        assertTrue(aug.err().contains("--augment must be standard, pil or none, got pillow"), aug.err());
        assertFalse(Files.exists(dir.resolve("o1")) || Files.exists(dir.resolve("o2")), "nothing written on bad options");
    }

    @Test
    void trainWritesMetricsWithFinalAndBestAccuracy(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        Result r = run("train", "--model", SHARED.resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite").toString(),
                "--data", SHARED.resolve("data/cifar10").toString(), "--scheme", "last-k:2", "--epochs", "3",
                "--warmup-epochs", "1", "--train-limit-per-class", "4", "--test-limit-per-class", "3", "--batch", "8", "--lr", "0.05",
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        java.util.List<String> rows = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals("epoch,warmup,lr,train_loss,train_accuracy,test_accuracy,seconds,images_per_second", rows.get(0));
        assertEquals(5, rows.size(), "a row per epoch: 1 warm-up + 3");
        double[] test = new double[4];
        int bestEpoch = 1;
        for (int i = 0; i < 4; i++) {
            String[] f = rows.get(i + 1).split(",");
            assertEquals(i + 1, Integer.parseInt(f[0]));
            test[i] = Double.parseDouble(f[5]);
            assertTrue(test[i] >= 0 && test[i] <= 1, "accuracies are fractions: " + rows.get(i + 1));
            if (test[i] > test[bestEpoch - 1]) {
                bestEpoch = i + 1;
            }
        }
        JsonNode m = JSON.readTree(Files.readString(out.resolve("metrics.json")));
        assertEquals(test[3], m.get("test_accuracy").asDouble(), 1e-6, "test_accuracy is the last epoch's");
        assertEquals(test[bestEpoch - 1], m.get("best_test_accuracy").asDouble(), 1e-6);
        assertEquals(bestEpoch, m.get("best_test_epoch").asInt());
        assertEquals(4, m.get("epochs").size());
        assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "final test accuracy %.2f %%", 100 * test[3])),
                r.out());
        assertTrue(Files.size(out.resolve("learning_curve.png")) > 1000 && Files.exists(out.resolve("model.tflite")));
    }

    @Test
    void verifySeedsExpandRanges() {
        assertEquals("[0, 1, 2, 3]", java.util.Arrays.toString(kilotrain.search.PlanRun.seedList(java.util.List.of("0-3"))));
        assertEquals("[0, 2, 5, 6, 7]",
                java.util.Arrays.toString(kilotrain.search.PlanRun.seedList(java.util.List.of("0", " 2", "5-7"))));
        assertEquals("[4]", java.util.Arrays.toString(kilotrain.search.PlanRun.seedList(java.util.List.of("4-4"))));
        for (String bad : new String[] {"3-1", "-2", "a", "1-b", "0-20000"}) {
            kilotrain.KtException e = org.junit.jupiter.api.Assertions.assertThrows(kilotrain.KtException.class,
                    () -> kilotrain.search.PlanRun.seedList(java.util.List.of(bad)));
            assertTrue(e.getMessage().startsWith("--verify-seeds: ") && e.getMessage().contains(bad),
                    bad + ": " + e.getMessage());
        }
    }

    @Test
    void progressInALogIsPlainLines() throws Exception {
        assertFalse(Progress.stderrIsTerminal(), "surefire pipes a fork's stderr");
        PrintStream saved = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try (me.tongfei.progressbar.ProgressBar bar = Progress.bar("epoch 1/1", 100, "img")) {
            bar.stepTo(40);
        } finally {
            System.setErr(saved);
        }
        String text = log.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("epoch 1/1") && text.contains("img"), text);
        assertFalse(text.contains("\r"), "no carriage returns in a log: " + text);
        assertTrue(text.endsWith(System.lineSeparator()), text);
    }
}
