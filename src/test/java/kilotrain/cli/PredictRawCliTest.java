package kilotrain.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import kilotrain.importer.tflite.OperatorModels;

/** `predict` on models whose input is not an image, and on float-interface models. */
class PredictRawCliTest {
    @ParameterizedTest
    @ValueSource(strings = {"tflite-micro/hello_world_int8", "mlperf-tiny/ad01_int8",
            "tflite-micro/micro_speech_quantized", "mlperf-tiny/str_ww_ref_model"})
    void rawTensorFilesOfNonImageModels(String model, @TempDir Path dir) throws Exception {
        String name = Path.of(model).getFileName().toString();
        Path vectors = CliTest.SHARED.resolve("testvectors/tflite").resolve(name);
        Path out = dir.resolve("out.bin");
        CliTest.Result r = CliTest.run("predict", CliTest.SHARED.resolve("models/" + model + ".tflite").toString(),
                vectors.resolve("in/r007.int8").toString(), "--raw-output", out.toString());
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(Files.readAllBytes(vectors.resolve("out/r007.out")), Files.readAllBytes(out));
    }

    @Test
    void rawFilesOfTheWrongSizeAreRefused(@TempDir Path dir) throws Exception {
        Path shortRaw = dir.resolve("x.int8");
        Files.write(shortRaw, new byte[639]);
        CliTest.Result r = CliTest.run("predict", CliTest.SHARED.resolve("models/mlperf-tiny/ad01_int8.tflite").toString(),
                shortRaw.toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("has 639 bytes") && r.err().contains("needs exactly 640"), r.err());
    }

    @Test
    void floatInterfaceModelTakesTheQuantizedInputAndGivesFloats(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("float_io.tflite");
        Files.write(model, OperatorModels.floatInterfacePadPoolMean());
        Path in = dir.resolve("x.int8");
        byte[] x = new byte[32];
        for (int i = 0; i < x.length; i++) {
            x[i] = (byte) (i * 7 - 100);
        }
        Files.write(in, x);
        Path raw = dir.resolve("y.f32");
        CliTest.Result r = CliTest.run("predict", model.toString(), in.toString(), "--raw-output", raw.toString(),
                "--json");
        assertEquals(0, r.code(), r.err());
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(raw)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(8, b.capacity());
        com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        for (int i = 0; i < 2; i++) {
            int q = j.get("output").get(i).asInt();
            // the model's DEQUANTIZE: (q - z) * s in float
            assertEquals((q - OperatorModels.OUT_ZERO) * OperatorModels.OUT_SCALE, b.getFloat(4 * i));
            assertEquals(b.getFloat(4 * i), (float) j.get("scores").get(i).asDouble());
        }
    }

    @Test
    void inspectShowsTheNewOperatorsAndTheFloatInterface(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("float_io.tflite");
        Files.write(model, OperatorModels.floatInterfacePadPoolMean());
        CliTest.Result r = CliTest.run("inspect", "--json", model.toString());
        assertEquals(0, r.code(), r.err());
        com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        assertTrue(j.get("float_input").asBoolean() && j.get("float_output").asBoolean());
        String[] kinds = {"Pad", "MaxPool2D", "Mean"};
        int[] bytes = {32 + 50, 50 + 18, 18 + 2};
        for (int i = 0; i < 3; i++) {
            assertEquals(kinds[i], j.get("layers").get(i).get("op").asText());
            assertEquals(bytes[i], j.get("layers").get(i).get("activation_bytes").asInt());
            assertEquals(0, j.get("layers").get(i).get("macs").asInt());
        }
        // the model's DEQUANTIZE (ops/dequantize): reads 2 int8 values, writes 2 float32 values
        assertEquals("DEQUANTIZE", j.get("layers").get(3).get("op").asText());
        assertEquals(2 + 8, j.get("layers").get(3).get("activation_bytes").asInt());
        assertEquals(4, j.get("layers").size());
    }
}
