package kilotrain.cli;

import static kilotrain.cli.CliTest.JSON;
import static kilotrain.cli.CliTest.SHARED;
import static kilotrain.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input as a new user gives it: every numeric option out of range, outputs that cannot be written, unreadable
 * samples. Each fails at once with the option or file named (exit 1, no stack trace, nothing trained or written), and
 * --skip-bad-samples lets a run go on without an unreadable sample while naming it.
 */
class BadInputCliTest {
    static final String RESNET = SHARED.resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite").toString();
    static final String CIFAR = SHARED.resolve("data/cifar10").toString();

    /** Runs a command line that must fail with exit code 1 and an error mentioning {@code expected}. */
    static CliTest.Result fails(String expected, String... args) {
        CliTest.Result r = run(args);
        assertEquals(1, r.code(), String.join(" ", args) + "\n" + r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().contains(expected),
                String.join(" ", args) + ": expected '" + expected + "' in\n" + r.err());
        assertFalse(r.err().contains("\tat ") || r.err().contains("internal error"), r.err());
        assertFalse(r.err().contains("epoch 1"), "failed before training: " + r.err());
        return r;
    }

    /** A 2-class dataset of 32x32 images (train/ and test/, three per class). */
    static Path imageDataset(Path root) throws Exception {
        for (String part : new String[] {"train", "test"}) {
            for (int c = 0; c < 2; c++) {
                Path dir = Files.createDirectories(root.resolve(part).resolve("class" + c));
                for (int i = 0; i < 3; i++) {
                    BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
                    for (int y = 0; y < 32; y++) {
                        for (int x = 0; x < 32; x++) {
                            img.setRGB(x, y, (c * 200 + x * 3 + i) << 16 | (y * 7) << 8 | (x * y) & 0xFF);
                        }
                    }
                    ImageIO.write(img, "png", dir.resolve(i + ".png").toFile());
                }
            }
        }
        return root;
    }

    @Test
    void everyNumericOptionIsCheckedUpFront(@TempDir Path dir) throws Exception {
        String out = dir.resolve("out").toString();
        String[] train = {"train", "--model", RESNET, "--data", CIFAR, "--out", out};
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"--epochs must be at least 0, got -3", "--epochs", "-3"});
        cases.add(new String[] {"trains nothing", "--epochs", "0", "--warmup-epochs", "0"});
        cases.add(new String[] {"--warmup-epochs must be at least 0, got -1", "--warmup-epochs", "-1"});
        cases.add(new String[] {"--lr must be a positive finite number, got -1.0", "--lr", "-1"});
        cases.add(new String[] {"--lr must be a positive finite number, got 0.0", "--lr", "0"});
        cases.add(new String[] {"--batch must be at least 1, got 0", "--batch", "0"});
        cases.add(new String[] {"--threads must be at least 1, got 0", "--threads", "0"});
        cases.add(new String[] {"--train-limit must be at least 0, got -1", "--train-limit", "-1"});
        cases.add(new String[] {"--test-limit-per-class must be at least 0, got -2", "--test-limit-per-class", "-2"});
        cases.add(new String[] {"--image-size must be at least 0, got -5", "--image-size", "-5"});
        cases.add(new String[] {"--device-steps must be at least 0, got -1", "--device-steps", "-1"});
        cases.add(new String[] {"--resize-shorter must be 0", "--resize-shorter", "-1"});
        cases.add(new String[] {"--max-step must be a positive number", "--max-step", "0"});
        for (String[] c : cases) {
            String[] args = new String[train.length + c.length - 1];
            System.arraycopy(train, 0, args, 0, train.length);
            System.arraycopy(c, 1, args, train.length, c.length - 1);
            fails(c[0], args);
        }
        fails("--epochs must be at least 0, got -1", "analyze", "--model", RESNET, "--data", CIFAR, "--out", out,
                "--epochs", "-1");
        fails("--parallel must be at least 1", "analyze", "--model", RESNET, "--data", CIFAR, "--out", out,
                "--parallel", "0");
        fails("--weight-base-k: -4 is outside 0..", "analyze", "--model", RESNET, "--data", CIFAR, "--out", out,
                "--weight-base-k", "-4", "--train-limit-per-class", "1", "--test-limit-per-class", "1");
        fails("--limit must be at least 0, got -1", "eval", RESNET, CIFAR, "--limit", "-1");
        fails("--limit-per-class must be at least 0, got -1", "eval", RESNET, CIFAR, "--limit-per-class", "-1");
        fails("--threads must be at least 1, got -1", "eval", RESNET, CIFAR, "--threads", "-1");
        fails("--seconds must be a positive finite number, got 0.0", "bench", RESNET, "--seconds", "0");
        fails("--classes: a head needs at least 2 classes, got 1", "bench", RESNET, "--classes", "1");
        fails("--lr must be a positive finite number, got -0.5", "compile", RESNET, "--lr", "-0.5");
        fails("--verify-arena must be at least 0, got -1", "compile", RESNET, "--verify-arena", "-1");
        fails("--top must be at least 1, got 0", "predict", RESNET, "--top", "0",
                SHARED.resolve("models/tflite-micro/person.bmp").toString());
        String[] plan = {"plan", "--model", RESNET, "--analysis", dir.toString(), "--sram-budget", "256K", "--out",
                dir.resolve("s.json").toString()};
        fails("--max-evaluations must be at least 1, got 0", concat(plan, "--max-evaluations", "0"));
        fails("--sweep must be at least 0, got -1", concat(plan, "--sweep", "-1"));
        fails("--classes: a head needs at least 2 classes, got 0", concat(plan, "--classes", "0"));
        fails("--steps must be at least 1, got 0", "device-bench", RESNET, "--steps", "0");
        assertFalse(Files.exists(dir.resolve("out")), "nothing written on bad options");
    }

    @Test
    void outputsThatCannotBeWrittenFailBeforeAnyWork(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("results"), "a file, not a folder");
        String[] small = {"--train-limit-per-class", "2", "--test-limit-per-class", "1", "--epochs", "1"};
        fails("--out " + file + " is a file; give a folder",
                concat(new String[] {"train", "--model", RESNET, "--data", CIFAR, "--out", file.toString()}, small));
        fails("--out " + file.resolve("run") + " cannot be created: " + file + " is a file",
                concat(new String[] {"train", "--model", RESNET, "--data", CIFAR, "--out", file.resolve("run")
                        .toString()}, small));
        fails("--out " + file + " is a file", "analyze", "--model", RESNET, "--data", CIFAR, "--out", file.toString());
        fails("--out " + dir + " is a folder; give a file name", "plan", "--model", RESNET, "--analysis",
                dir.toString(), "--sram-budget", "256K", "--out", dir.toString());
        fails("--raw-output " + dir + " is a folder", "predict", RESNET, "--raw-output", dir.toString(),
                SHARED.resolve("models/tflite-micro/person.bmp").toString());
        fails("--out " + file + " is a file", "compile", RESNET, "--out", file.toString());
        fails("--memory-report " + file.resolve("m") + " cannot be created", "compile", RESNET, "--memory-report",
                file.resolve("m").toString());
        assertEquals("a file, not a folder", Files.readString(file), "the file is left as it was");
    }

    @Test
    void wrongPathsAndEmptyDatasetsAreNamed(@TempDir Path dir) throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.createDirectories(dir.resolve("classes/a"));
        String out = dir.resolve("out").toString();
        fails("dataset " + dir.resolve("none") + " does not exist", "eval", RESNET, dir.resolve("none").toString());
        fails("dataset " + RESNET + " does not exist or is not a folder", "eval", RESNET, RESNET);
        fails("is a directory, not a model file", "eval", dir.toString(), CIFAR);
        fails("unrecognised dataset layout in " + empty, "eval", RESNET, empty.toString());
        fails("has no JPEG, PNG or BMP files in its class folders [a]", "train", "--model", RESNET, "--data",
                dir.resolve("classes").toString(), "--out", out);
        fails("input file " + dir + " does not exist or is not a file", "predict", RESNET, dir.toString());
    }

    @Test
    void anUnreadableSampleStopsTheRunUnlessSkipped(@TempDir Path dir) throws Exception {
        Path data = imageDataset(dir.resolve("data"));
        Path bad = data.resolve("train/class1/1b.jpg");
        Files.writeString(bad, "not a jpeg");
        String[] train = {"train", "--model", RESNET, "--data", data.toString(), "--epochs", "1", "--warmup-epochs",
                "0", "--batch", "2", "--augment", "none"};
        fails(bad + " (10 bytes): not a JPEG, PNG or BMP image (--skip-bad-samples leaves unreadable samples out",
                concat(train, "--out", dir.resolve("o1").toString()));
        assertFalse(Files.exists(dir.resolve("o1")));

        Path out = dir.resolve("o2");
        CliTest.Result r = run(concat(train, "--out", out.toString(), "--skip-bad-samples"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("6 train / 6 test samples"), r.err());
        assertTrue(r.err().contains("skipped 1 unreadable sample(s) (--skip-bad-samples):"), r.err());
        assertTrue(r.err().contains("  cannot decode image file " + bad + " (10 bytes)"), r.err());
        JsonNode m = JSON.readTree(Files.readString(out.resolve("metrics.json")));
        assertEquals(1, m.get("skipped_samples").asInt());
        assertTrue(m.get("skipped").get(0).asText().contains(bad.toString()), m.toString());

        CliTest.Result e = run("eval", "--json", "--skip-bad-samples", RESNET, data.resolve("train").toString());
        assertEquals(0, e.code(), e.err());
        JsonNode j = JSON.readTree(e.out());
        assertEquals(6, j.get("count").asInt());
        assertEquals(1, j.get("skipped_samples").asInt());
        fails(bad.toString(), "eval", RESNET, data.resolve("train").toString());
    }

    static String[] concat(String[] a, String... b) {
        String[] r = new String[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
