package kilotrain.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import kilotrain.importer.tflite.TfliteImporter;
import kilotrain.ir.Graph;

/** Imported TFLite models run end to end on the Java executor. */
class TfliteForwardTest {
    static final Path MODELS = Path.of(System.getProperty("user.dir")).resolve("../shared/models").normalize();
    /** TFLite Micro's person detection example: output 0 is "no person", output 1 is "person". */
    static final int NO_PERSON = 0, PERSON = 1;

    /** An 8-bit palette BMP as gray levels, top row first (BMP stores rows bottom-up when the height is positive). */
    static int[] grayBmp(Path file, int width, int height) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals('B', b.get(0));
        assertEquals('M', b.get(1));
        int dataOffset = b.getInt(10), headerSize = b.getInt(14);
        assertEquals(width, b.getInt(18));
        int h = b.getInt(22);
        assertEquals(height, Math.abs(h));
        assertEquals(8, b.getShort(28));
        int paletteAt = 14 + headerSize;
        int stride = (width + 3) & ~3;
        int[] gray = new int[width * height];
        for (int y = 0; y < height; y++) {
            int row = h > 0 ? height - 1 - y : y;
            for (int x = 0; x < width; x++) {
                int index = b.get(dataOffset + row * stride + x) & 0xff;
                int blue = b.get(paletteAt + 4 * index) & 0xff, green = b.get(paletteAt + 4 * index + 1) & 0xff;
                assertEquals(blue, green, "palette must be gray");
                gray[y * width + x] = blue;
            }
        }
        return gray;
    }

    /**
     * The input exactly as TFLite Micro's person detection test builds it: the BMP's gray bytes (top row first,
     * as PIL's tobytes gives them) copied unchanged into the int8 tensor, so a pixel p reads as (int8) p, not
     * p - 128. With p - 128 the model calls both images "no person".
     */
    static byte[] personInput(String image) throws IOException {
        int[] gray = grayBmp(MODELS.resolve("tflite-micro").resolve(image), 96, 96);
        byte[] q = new byte[gray.length];
        for (int i = 0; i < q.length; i++) {
            q[i] = (byte) gray[i];
        }
        return q;
    }

    @Test
    void personDetectorTellsPersonFromNoPerson() throws IOException {
        Graph g = TfliteImporter.load(MODELS.resolve("tflite-micro/person_detect.tflite"));
        Executor ex = new Executor(g);
        byte[] person = ex.run(personInput("person.bmp"));
        byte[] nobody = ex.run(personInput("no_person.bmp"));
        assertTrue(person[PERSON] > person[NO_PERSON], "person.bmp scores " + Arrays.toString(person));
        assertTrue(nobody[NO_PERSON] > nobody[PERSON], "no_person.bmp scores " + Arrays.toString(nobody));
        // margins measured with this importer and executor: person [-113, 113], no person [57, -57]
        assertTrue(person[PERSON] - person[NO_PERSON] > 100 && nobody[NO_PERSON] - nobody[PERSON] > 50,
                Arrays.toString(person) + " " + Arrays.toString(nobody));
    }

    @ParameterizedTest
    @CsvSource({"mlperf-tiny/vww_96_int8.tflite, 2", "mlperf-tiny/kws_ref_model.tflite, 12",
            "mlperf-tiny/ad01_int8.tflite, 640", "mlperf-tiny/pretrainedResnet_quant.tflite, 10"})
    void runsDeterministically(String model, int outputs) {
        Graph g = TfliteImporter.load(MODELS.resolve(model));
        byte[] input = new byte[g.input.elements()];
        new Random(7).nextBytes(input);
        byte[] first = new Executor(g).run(input);
        byte[] second = new Executor(g).run(input);
        assertEquals(outputs, first.length);
        assertArrayEquals(first, second);
        if (g.ops.get(g.ops.size() - 1) instanceof kilotrain.ir.Softmax) {
            int sum = 0;
            for (byte v : first) {
                sum += v + 128;
            }
            // softmax outputs with scale 1/256 and zero point -128 add up to about 256
            assertTrue(Math.abs(sum - 256) <= outputs, "softmax sum " + sum);
        }
    }
}
