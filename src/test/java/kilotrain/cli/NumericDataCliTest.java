package kilotrain.cli;

import static kilotrain.cli.CliTest.JSON;
import static kilotrain.cli.CliTest.SHARED;
import static kilotrain.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import kilotrain.data.NpyFiles;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Quant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real models evaluated and fine-tuned from .npy arrays and CSV rows, as a user with sensor data would. */
class NumericDataCliTest {
    static final Path HELLO = SHARED.resolve("models/tflite-micro/hello_world_int8.tflite");
    static final Path AD01 = SHARED.resolve("models/mlperf-tiny/ad01_int8.tflite");

    /**
     * hello_world's inputs as an int8 array and TensorFlow Lite Micro's outputs for them (dequantized) as float
     * targets: eval's regression error against the reference kernels' outputs is exactly 0.
     */
    @Test
    void helloWorldFromNpyMatchesTfliteMicroExactly(@TempDir Path dir) throws Exception {
        Path vectors = SHARED.resolve("testvectors/tflite/hello_world_int8");
        List<Path> ins;
        try (Stream<Path> s = Files.list(vectors.resolve("in"))) {
            ins = s.sorted().toList();
        }
        Quant out = ModelLoader.load(HELLO).output.quant;
        double[] x = new double[ins.size()];
        double[] y = new double[ins.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = Files.readAllBytes(ins.get(i))[0];
            String name = ins.get(i).getFileName().toString().replace(".int8", ".out");
            byte q = Files.readAllBytes(vectors.resolve("out").resolve(name))[0];
            y[i] = (q - out.zeroPoint()) * out.scale();
        }
        NpyFiles.write(dir.resolve("x_test.npy"), "|i1", new int[] {x.length, 1}, false, x);
        NpyFiles.write(dir.resolve("y_test.npy"), "<f4", new int[] {y.length}, false, y);
        CliTest.Result r = run("eval", "--json", HELLO.toString(), dir.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals("regression", j.get("task").asText());
        assertEquals(256, j.get("count").asInt(), "every int8 value once");
        assertEquals(0.0, j.get("mse").asDouble(), "bit-exact with the reference kernels");
    }

    /** sin(x) from a CSV of float x: quantized with the input's scale and zero point, the model's error is small. */
    @Test
    void helloWorldFromCsvOfFloats(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("x,sin_x\n");
        for (int i = 0; i < 50; i++) {
            float x = (float) (2 * Math.PI * i / 49);
            csv.append(x).append(',').append(Math.sin(x)).append('\n');
        }
        Path file = Files.writeString(dir.resolve("sine.csv"), csv);
        CliTest.Result r = run("eval", "--json", "--target-columns", "sin_x", HELLO.toString(), file.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals(50, j.get("count").asInt());
        double mse = j.get("targets").get("sin_x").get("mse").asDouble();
        // measured 0.00130 (mean absolute error 0.026): the example model approximates sin well on [0, 2 pi]
        assertTrue(mse > 0 && mse < 0.005, "mse " + mse);
        Path labelled = Files.writeString(dir.resolve("sign.csv"), "x,label\n-3,neg\n-1,neg\n1,pos\n3.5,pos\n");
        CliTest.Result t = run("train", "--model", HELLO.toString(), "--data", labelled.toString(), "--out",
                dir.resolve("run").toString(), "--epochs", "1", "--warmup-epochs", "0", "--augment", "none");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.err().contains("4 train / 0 test samples, 2 classes"), t.err());
        assertTrue(t.out().contains("final train accuracy") && t.out().contains(labelled + " has no test part")
                && !t.out().contains("NaN"), t.out());
        CliTest.Result wrong = run("eval", HELLO.toString(), file.toString());
        assertEquals(1, wrong.code());
        assertTrue(wrong.err().contains("no column named 'label'; name the label column (--label-column) or the "
                + "regression target columns (--target-columns) among [x, sin_x]"), wrong.err());
    }

    /** The anomaly-detection model's [1, 640] input fine-tuned with a new head from float arrays and labels. */
    @Test
    void ad01FineTunesFromNpyArrays(@TempDir Path dir) throws Exception {
        Random rnd = new Random(0);
        for (String part : new String[] {"train", "test"}) {
            int n = part.equals("train") ? 40 : 20;
            double[] x = new double[n * 640];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                y[i] = i % 2;
                for (int k = 0; k < 640; k++) {
                    x[i * 640 + k] = 0.5 * rnd.nextGaussian() + (i % 2 == 1 && k < 320 ? 3 : 0);
                }
            }
            NpyFiles.write(dir.resolve("x_" + part + ".npy"), "<f4", new int[] {n, 640}, false, x);
            NpyFiles.write(dir.resolve("y_" + part + ".npy"), "<i8", new int[] {n}, false, y);
        }
        Path out = dir.resolve("run");
        // a classifier by name: auto makes a model whose output is as large as its input an autoencoder
        CliTest.Result r = run("train", "--model", AD01.toString(), "--data", dir.toString(), "--out",
                out.toString(), "--epochs", "3", "--batch", "4", "--lr", "0.05", "--augment", "none", "--task",
                "classify");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("40 train / 20 test samples, 2 classes"), r.err());
        JsonNode m = JSON.readTree(Files.readString(out.resolve("metrics.json")));
        // measured: 100 % from the second epoch on (chance: 50 %)
        assertTrue(m.get("test_accuracy").asDouble() >= 0.9, m.toString());
    }

    /** uint8 image arrays go through exactly the image pipeline: the same run as from PNG files of the same pixels. */
    @Test
    void uint8ArraysTrainLikeTheSameImagesAsFiles(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("png");
        Path npy = Files.createDirectories(dir.resolve("npy"));
        Random rnd = new Random(3);
        for (String part : new String[] {"train", "test"}) {
            int n = 6;
            double[] x = new double[n * 40 * 36 * 3];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                int label = i < n / 2 ? 0 : 1; // the folder's order (by class, then name) is the array's
                y[i] = label;
                BufferedImage img = new BufferedImage(36, 40, BufferedImage.TYPE_INT_RGB);
                for (int h = 0; h < 40; h++) {
                    for (int w = 0; w < 36; w++) {
                        int[] rgb = {rnd.nextInt(256), rnd.nextInt(256), label * 200 + rnd.nextInt(56)};
                        img.setRGB(w, h, rgb[0] << 16 | rgb[1] << 8 | rgb[2]);
                        for (int c = 0; c < 3; c++) {
                            x[((i * 40 + h) * 36 + w) * 3 + c] = rgb[c];
                        }
                    }
                }
                Path d = Files.createDirectories(png.resolve(part).resolve(Integer.toString(label)));
                ImageIO.write(img, "png", d.resolve(i + ".png").toFile());
            }
            NpyFiles.write(npy.resolve("x_" + part + ".npy"), "|u1", new int[] {n, 40, 36, 3}, false, x);
            NpyFiles.write(npy.resolve("y_" + part + ".npy"), "<i8", new int[] {n}, false, y);
        }
        String model = SHARED.resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite").toString();
        JsonNode[] runs = new JsonNode[2];
        Path[] data = {png, npy};
        for (int k = 0; k < 2; k++) {
            Path out = dir.resolve("run" + k);
            CliTest.Result r = run("train", "--model", model, "--data", data[k].toString(), "--out", out.toString(),
                    "--epochs", "2", "--batch", "2", "--scheme", "last-k:2");
            assertEquals(0, r.code(), r.err());
            runs[k] = JSON.readTree(Files.readString(out.resolve("metrics.json"))).get("epochs");
        }
        for (int e = 0; e < 3; e++) {
            for (String key : new String[] {"trainLoss", "trainAccuracy", "testAccuracy"}) {
                assertEquals(runs[0].get(e).get(key).asDouble(), runs[1].get(e).get(key).asDouble(),
                        "epoch " + e + " " + key);
            }
        }
    }
}
