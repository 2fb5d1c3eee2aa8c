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
import kilotrain.data.NpyFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tasks from the command line: ad01 fine-tuned as an autoencoder with its ROC AUC on a documented anomaly test
 * set, classify-keep-head losing nothing at step 0, binary on one sigmoid logit.
 */
class TasksCliTest {
    static final Path AD01 = SHARED.resolve("models/mlperf-tiny/ad01_int8.tflite");
    static final Path RESNET = SHARED.resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite");
    static final Path HELLO = RegressCliTest.HELLO;

    /**
     * The anomaly set of docs/training.md ("Autoencoder"): ad01's input is 5 frames x 128 mel bins (640 int8
     * values, frame-major). There is no ToyADMOS data here, so "normal" is what TFLite Micro's test vectors for ad01
     * are: independent uniform int8 values. Train: 200 such samples ({@code Random(1)}, {@code nextInt(256) - 128}).
     * Test normal (label 0): the 50 test-vector inputs {@code tflite/ad01_int8/in/r000-r049.int8}. Test anomalous
     * (label 1): 50 more uniform samples from the same generator, each with a "tone": 8 adjacent mel bins b..b+7
     * ({@code b = nextInt(121)}) set to 127 in all 5 frames.
     */
    static void anomalySet(Path dir) throws Exception {
        Random r = new Random(1);
        int n = 200;
        double[] x = new double[n * 640];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextInt(256) - 128;
        }
        NpyFiles.write(dir.resolve("x_train.npy"), "|i1", new int[] {n, 640}, false, x);
        NpyFiles.write(dir.resolve("y_train.npy"), "<i8", new int[] {n}, false, new double[n]);
        double[] xt = new double[100 * 640];
        double[] yt = new double[100];
        for (int i = 0; i < 50; i++) {
            byte[] v = Files.readAllBytes(SHARED.resolve(String.format("testvectors/tflite/ad01_int8/in/r%03d.int8",
                    i)));
            for (int k = 0; k < 640; k++) {
                xt[i * 640 + k] = v[k];
            }
        }
        for (int i = 50; i < 100; i++) {
            for (int k = 0; k < 640; k++) {
                xt[i * 640 + k] = r.nextInt(256) - 128;
            }
            int b = r.nextInt(121);
            for (int f = 0; f < 5; f++) {
                for (int m = b; m < b + 8; m++) {
                    xt[i * 640 + f * 128 + m] = 127;
                }
            }
            yt[i] = 1;
        }
        NpyFiles.write(dir.resolve("x_test.npy"), "|i1", new int[] {100, 640}, false, xt);
        NpyFiles.write(dir.resolve("y_test.npy"), "<i8", new int[] {100}, false, yt);
    }

    @Test
    void ad01FineTunesAsAutoencoderWithRocAuc(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("ad"));
        anomalySet(data);
        CliTest.Result before = run("eval", "--json", AD01.toString(), data.toString());
        assertEquals(0, before.code(), before.err());
        JsonNode b = JSON.readTree(before.out());
        assertEquals(50, b.get("normal").asInt());
        assertEquals(50, b.get("anomalous").asInt());
        Path out = dir.resolve("run");
        // auto: ad01's output is as large as its input, so it trains as an autoencoder
        CliTest.Result t = run("train", "--model", AD01.toString(), "--data", data.toString(), "--out",
                out.toString(), "--epochs", "3", "--lr", "0.01", "--augment", "none");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.err().contains("autoencoder of 640 values"), t.err());
        JsonNode m = JSON.readTree(Files.readString(out.resolve("metrics.json")));
        assertEquals("autoencode", m.get("task").asText());
        double auc0 = m.get("initial_test_auc").asDouble(), auc = m.get("test_auc").asDouble();
        assertEquals(b.get("auc").asDouble(), auc0, 1e-12, "the model before training, as eval scores it");
        assertTrue(m.get("test_mse").asDouble() < m.get("initial_test_mse").asDouble(), m.toString());
        assertTrue(m.get("train_mse").asDouble() < m.get("epochs").get(0).get("train_mse").asDouble(), m.toString());
        assertTrue(auc > 0.5 && auc <= 1, "auc " + auc);
        // the saved models score the test set as the trainer did
        for (String f : new String[] {"model.ktm", "model.tflite"}) {
            CliTest.Result e = run("eval", "--json", out.resolve(f).toString(), data.toString());
            assertEquals(0, e.code(), e.err());
            assertEquals(auc, JSON.readTree(e.out()).get("auc").asDouble(), 1e-12, f);
        }
        CliTest.Result noNormal = run("eval", "--task", "autoencode", AD01.toString(), SHARED.resolve(
                "data/cifar10").toString(), "--limit", "2");
        assertEquals(1, noNormal.code());
    }

    @Test
    void classifyKeepHeadLosesNothingAtStepZero(@TempDir Path dir) throws Exception {
        Path cifar = SHARED.resolve("data/cifar10");
        CliTest.Result e = run("eval", "--json", "--limit-per-class", "10", RESNET.toString(), cifar.toString());
        assertEquals(0, e.code(), e.err());
        double model = JSON.readTree(e.out()).get("top1").asDouble();
        Path out = dir.resolve("keep");
        CliTest.Result t = run("train", "--model", RESNET.toString(), "--data", cifar.toString(), "--task",
                "classify-keep-head", "--train-limit-per-class", "2", "--test-limit-per-class", "10", "--epochs", "1",
                "--warmup-epochs", "0", "--lr", "0.001", "--out", out.toString(), "--scheme", "last-k:2");
        assertEquals(0, t.code(), t.err());
        JsonNode m = JSON.readTree(Files.readString(out.resolve("metrics.json")));
        assertEquals("classify-keep-head", m.get("task").asText());
        assertEquals(model, m.get("initial_test_accuracy").asDouble(), 1e-12, "step 0 is the model");
        // the model's own classes only
        Path three = Files.createDirectories(dir.resolve("three"));
        Files.writeString(three.resolve("train.csv"), "x,label\n1,a\n2,b\n3,c\n");
        CliTest.Result wrong = run("train", "--model", HELLO.toString(), "--data", three.resolve("train.csv")
                .toString(), "--task", "classify-keep-head", "--out", dir.resolve("w").toString());
        assertEquals(1, wrong.code());
        assertTrue(wrong.err().contains("--task classify-keep-head: model 'hello_world_int8' has 1 outputs"),
                wrong.err());
    }

    /** int8 targets (an int8 y array of shape (N, 1)) in hello_world's output quantization: sin(x) quantized. */
    @Test
    void helloWorldRegressesOnInt8Targets(@TempDir Path dir) throws Exception {
        kilotrain.ir.Quant yq = kilotrain.importer.ModelLoader.load(HELLO).output.quant;
        for (String part : new String[] {"train", "test"}) {
            int n = part.equals("train") ? 100 : 40;
            double[] x = new double[n], y = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = 2 * Math.PI * (i + (part.equals("train") ? 0.5 : 0.25)) / n;
                y[i] = Math.max(-128, Math.min(127, Math.round(Math.sin(x[i]) / yq.scale()) + yq.zeroPoint()));
            }
            NpyFiles.write(dir.resolve("x_" + part + ".npy"), "<f4", new int[] {n, 1}, false, x);
            NpyFiles.write(dir.resolve("y_" + part + ".npy"), "|i1", new int[] {n, 1}, false, y);
        }
        Path out = dir.resolve("run");
        CliTest.Result t = run("train", "--model", HELLO.toString(), "--data", dir.toString(), "--epochs", "3",
                "--lr", "0.01", "--augment", "none", "--out", out.toString(), "--json");
        assertEquals(0, t.code(), t.err());
        JsonNode m = JSON.readTree(Files.readString(out.resolve("metrics.json")));
        assertEquals("regress-int8", m.get("task").asText());
        double mse = m.get("test_mse").asDouble();
        assertTrue(mse > 0 && mse < 0.01, "sin(x) from int8 targets: " + mse);
        for (String f : new String[] {"model.ktm", "model.tflite"}) {
            CliTest.Result e = run("eval", "--json", out.resolve(f).toString(), dir.toString());
            assertEquals(0, e.code(), e.err());
            assertEquals(mse, JSON.readTree(e.out()).get("mse").asDouble(), 1e-12, f);
        }
    }

    @Test
    void binaryOnOneSigmoidLogit(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("x,label\n");
        Random r = new Random(3);
        for (int i = 0; i < 120; i++) {
            double x = 2 * Math.PI * r.nextDouble();
            csv.append((float) x).append(',').append(Math.sin(x) > 0 ? 1 : 0).append('\n');
        }
        Path data = Files.createDirectories(dir.resolve("sign"));
        Files.writeString(data.resolve("train.csv"), csv);
        Files.writeString(data.resolve("test.csv"), csv);
        Path out = dir.resolve("run");
        CliTest.Result t = run("train", "--model", HELLO.toString(), "--data", data.toString(), "--task", "binary",
                "--epochs", "4", "--lr", "0.05", "--batch", "8", "--augment", "none", "--out", out.toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(t.err().contains("binary [0, 1]"), t.err());
        JsonNode m = JSON.readTree(Files.readString(out.resolve("metrics.json")));
        assertEquals("binary", m.get("task").asText());
        double acc = m.get("test_accuracy").asDouble();
        assertTrue(acc > 0.8, "sign of sin(x) from hello_world's feature: " + acc);
        CliTest.Result e = run("eval", "--json", out.resolve("model.ktm").toString(), data.toString());
        assertEquals(0, e.code(), e.err());
        assertEquals(acc, JSON.readTree(e.out()).get("top1").asDouble(), 1e-12);
        // the int8 head: model.tflite holds the new one-logit FULLY_CONNECTED (no softmax), and a one-output model
        // evaluated on labels is a binary logit (class 1 above 0), the same decisions as the trained program's
        Path out8 = dir.resolve("run8");
        CliTest.Result t8 = run("train", "--model", HELLO.toString(), "--data", data.toString(), "--task", "binary",
                "--head", "int8", "--epochs", "4", "--lr", "0.05", "--batch", "8", "--augment", "none", "--out",
                out8.toString());
        assertEquals(0, t8.code(), t8.err());
        double acc8 = JSON.readTree(Files.readString(out8.resolve("metrics.json"))).get("test_accuracy").asDouble();
        assertTrue(acc8 > 0.8, "int8 head: " + acc8);
        for (String f : new String[] {"model.tflite", "model.ktm"}) {
            CliTest.Result e8 = run("eval", "--json", "--task", "classify", out8.resolve(f).toString(),
                    data.toString());
            assertEquals(0, e8.code(), e8.err());
            assertEquals(acc8, JSON.readTree(e8.out()).get("top1").asDouble(), 1e-12, f);
        }
        CliTest.Result i8 = run("inspect", "--json", out8.resolve("model.tflite").toString());
        assertEquals(0, i8.code(), i8.err());
        JsonNode layers = JSON.readTree(i8.out()).get("layers");
        assertEquals("FullyConnected", layers.get(layers.size() - 1).get("op").asText());
        assertEquals("[1,1]", layers.get(layers.size() - 1).get("output_shape").toString());
        Path three = Files.createDirectories(dir.resolve("three"));
        Files.writeString(three.resolve("train.csv"), "x,label\n1,a\n2,b\n3,c\n");
        CliTest.Result wrong = run("train", "--model", HELLO.toString(), "--data", three.resolve("train.csv")
                .toString(), "--task", "binary", "--out", dir.resolve("w").toString());
        assertEquals(1, wrong.code());
        assertTrue(wrong.err().contains("--task binary: ") && wrong.err().contains("has 3 classes"), wrong.err());
    }
}
