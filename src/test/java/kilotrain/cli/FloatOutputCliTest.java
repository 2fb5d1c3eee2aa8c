package kilotrain.cli;

import static kilotrain.cli.CliTest.JSON;
import static kilotrain.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import kilotrain.importer.tflite.FloatOutputModelTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A float-output model (DEQUANTIZE last, ops/dequantize) through the commands: {@code train} fine-tunes it as a
 * regression and writes {@code model.tflite} with its DEQUANTIZE kept; {@code eval} of that file and of
 * {@code model.ktm} give the mean squared error {@code train} reported, and the step-0 figure equals {@code eval} of
 * the original file. A new int8 classifier on it keeps a DEQUANTIZE of the new size.
 */
class FloatOutputCliTest {
    @Test
    void trainWritesTfliteWithItsDequantizeAndEvalAgrees(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("float_out.tflite");
        Files.write(model, FloatOutputModelTest.model(2));
        Path data = Files.createDirectories(dir.resolve("data"));
        Path labelled = Files.createDirectories(dir.resolve("labelled"));
        StringBuilder csv = new StringBuilder("a,b,c,d,e,f,g,h,y0,y1\n");
        StringBuilder lcsv = new StringBuilder("a,b,c,d,e,f,g,h,label\n");
        Random r = new Random(3);
        for (int i = 0; i < 60; i++) {
            double[] x = new double[8];
            for (int k = 0; k < 8; k++) {
                x[k] = r.nextInt(20) * 0.1;
                csv.append(x[k]).append(',');
                lcsv.append(x[k]).append(',');
            }
            csv.append(x[0] - x[1]).append(',').append(x[2] * 0.5).append('\n');
            lcsv.append(i % 3).append('\n');
        }
        for (String part : new String[] {"train.csv", "test.csv"}) {
            Files.writeString(data.resolve(part), csv);
            Files.writeString(labelled.resolve(part), lcsv);
        }
        Path out = dir.resolve("run");
        CliTest.Result t = run("train", "--model", model.toString(), "--data", data.toString(), "--target-columns",
                "y0,y1", "--out", out.toString(), "--epochs", "2", "--augment", "none");
        assertEquals(0, t.code(), t.err());
        JsonNode m = JSON.readTree(Files.readString(out.resolve("metrics.json")));
        double before = m.get("initial_test_mse").asDouble(), after = m.get("test_mse").asDouble();
        assertTrue(after < before, before + " -> " + after);
        assertEquals(before, evalMse(model, data), 1e-9 * before);
        assertEquals(after, evalMse(out.resolve("model.tflite"), data), 1e-9 * after);
        assertEquals(after, evalMse(out.resolve("model.ktm"), data), 1e-9 * after);
        assertEquals("DEQUANTIZE", lastOp(out.resolve("model.tflite")));

        Path cls = dir.resolve("cls");
        CliTest.Result c = run("train", "--model", model.toString(), "--data", labelled.toString(), "--head", "int8",
                "--out", cls.toString(), "--epochs", "1", "--augment", "none");
        assertEquals(0, c.code(), c.err());
        CliTest.Result i = run("inspect", "--json", cls.resolve("model.tflite").toString());
        assertEquals(0, i.code(), i.err());
        JsonNode j = JSON.readTree(i.out());
        assertTrue(j.get("float_output").asBoolean());
        assertEquals("[1,3]", j.get("output_shape").toString());
        assertEquals("DEQUANTIZE", lastOp(cls.resolve("model.tflite")));
    }

    static double evalMse(Path model, Path data) throws Exception {
        CliTest.Result e = run("eval", "--json", "--target-columns", "y0,y1", model.toString(),
                data.resolve("test.csv").toString());
        assertEquals(0, e.code(), e.err());
        return JSON.readTree(e.out()).get("mse").asDouble();
    }

    static String lastOp(Path model) throws Exception {
        CliTest.Result i = run("inspect", "--json", model.toString());
        assertEquals(0, i.code(), i.err());
        JsonNode layers = JSON.readTree(i.out()).get("layers");
        return layers.get(layers.size() - 1).get("op").asText();
    }
}
