package kilotrain.cli;

import static kilotrain.cli.CliTest.JSON;
import static kilotrain.cli.CliTest.SHARED;
import static kilotrain.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --task regress}: TFLite Micro's hello_world fine-tuned as a regression of sin(x) from CSV rows (x,
 * sin_x), the mean squared error of its own dequantized output against the targets; its last fully connected layer
 * trains.
 */
class RegressCliTest {
    static final Path HELLO = SHARED.resolve("models/tflite-micro/hello_world_int8.tflite");

    static void sine(Path file, double[] xs) throws Exception {
        StringBuilder csv = new StringBuilder("x,sin_x\n");
        for (double x : xs) {
            float f = (float) x;
            csv.append(f).append(',').append(Math.sin(f)).append('\n');
        }
        Files.writeString(file, csv);
    }

    @Test
    void helloWorldFineTunesAsSineRegression(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("sine"));
        Random r = new Random(0);
        double[] train = new double[200];
        for (int i = 0; i < train.length; i++) {
            train[i] = 2 * Math.PI * r.nextDouble();
        }
        double[] test = new double[50];
        for (int i = 0; i < test.length; i++) {
            test[i] = 2 * Math.PI * i / 49;
        }
        sine(data.resolve("train.csv"), train);
        sine(data.resolve("test.csv"), test);
        Path out = dir.resolve("run");
        // automatic task: float targets and a model that does not end in SOFTMAX
        CliTest.Result t = run("train", "--model", HELLO.toString(), "--data", data.toString(), "--target-columns",
                "sin_x", "--out", out.toString(), "--epochs", "5", "--lr", "0.01", "--augment", "none", "--threads",
                "2");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.err().contains("200 train / 50 test samples, regression of [sin_x]"), t.err());
        JsonNode m = JSON.readTree(Files.readString(out.resolve("metrics.json")));
        assertEquals("regress", m.get("task").asText());
        double before = m.get("initial_test_mse").asDouble(), after = m.get("test_mse").asDouble();
        // the model before training, as eval scores it independently (the trainer's own dequantized outputs)
        CliTest.Result e0 = run("eval", "--json", "--target-columns", "sin_x", HELLO.toString(),
                data.resolve("test.csv").toString());
        assertEquals(0, e0.code(), e0.err());
        assertEquals(JSON.readTree(e0.out()).get("mse").asDouble(), before, 1e-12);
        // measured: 0.00130 before, 0.000925 after (5 epochs + 1 warm-up at lr 0.01; docs/training.md)
        assertTrue(after > 0 && after <= before, "test MSE " + before + " -> " + after);
        assertTrue(after < 0.99 * before, "training improved the fit: " + before + " -> " + after);
        assertEquals(6, m.get("epochs").size());
        assertTrue(m.get("epochs").get(0).has("train_mae") && m.get("epochs").get(0).has("test_mse"));
        assertTrue(Files.readString(out.resolve("metrics.csv")).startsWith(
                "epoch,warmup,lr,train_mse,train_mae,test_mse,test_mae,seconds,samples_per_second\n"));
        assertTrue(t.out().contains("test MSE") && !t.out().contains("NaN"), t.out());
        // the written int8 TFLite model and the .ktm predict what the trainer measured
        for (String f : new String[] {"model.tflite", "model.ktm"}) {
            CliTest.Result e = run("eval", "--json", "--target-columns", "sin_x", out.resolve(f).toString(),
                    data.resolve("test.csv").toString());
            assertEquals(0, e.code(), e.err());
            assertEquals(after, JSON.readTree(e.out()).get("mse").asDouble(), 1e-12, f);
        }

        // wrong task for the data, and a scheme the model cannot train
        Path labelled = Files.writeString(dir.resolve("sign.csv"), "x,label\n-3,neg\n-1,neg\n1,pos\n3.5,pos\n");
        CliTest.Result noTargets = run("train", "--model", HELLO.toString(), "--data", labelled.toString(), "--task",
                "regress", "--out", dir.resolve("r2").toString());
        assertEquals(1, noTargets.code());
        assertTrue(noTargets.err().contains("--task regress: " + labelled + " has class labels, no targets"),
                noTargets.err());
        CliTest.Result classify = run("train", "--model", HELLO.toString(), "--data", data.toString(),
                "--target-columns", "sin_x", "--task", "classify", "--out", dir.resolve("r3").toString());
        assertEquals(1, classify.code());
        assertTrue(classify.err().contains("holds regression targets [sin_x]; --task classify needs class labels"),
                classify.err());
        CliTest.Result lastK = run("train", "--model", HELLO.toString(), "--data", data.toString(),
                "--target-columns", "sin_x", "--scheme", "last-k:4", "--out", dir.resolve("r4").toString());
        assertEquals(1, lastK.code());
        assertTrue(lastK.err().contains("hello_world_int8 has only 3 (classifier included)"), lastK.err());
        CliTest.Result badTask = run("train", "--model", HELLO.toString(), "--data", data.toString(), "--task",
                "segment", "--out", dir.resolve("r5").toString());
        assertEquals(1, badTask.code());
        assertTrue(badTask.err().contains("--task must be auto, classify, classify-keep-head, regress, autoencode or "
                + "binary, got segment"), badTask.err());
    }
}
