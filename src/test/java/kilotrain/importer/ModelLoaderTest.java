package kilotrain.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import kilotrain.KtException;
import kilotrain.ir.Graph;

class ModelLoaderTest {
    static final Path MODELS = Path.of(System.getProperty("user.dir")).resolve("../shared/models").normalize();

    @Test
    void picksTheImporterByContent(@TempDir Path dir) throws Exception {
        // file names mean nothing: a TFLite model named .pkl and a PyTorch archive named .tflite still load
        Path tflite = dir.resolve("model.pkl");
        Files.copy(MODELS.resolve("mlperf-tiny/kws_ref_model.tflite"), tflite);
        assertEquals(Graph.Source.TFLITE, ModelLoader.load(tflite).source);
        Path pkl = dir.resolve("model.tflite");
        Files.copy(MODELS.resolve("tiny-training/mbv2-w0.35.pkl"), pkl);
        assertEquals(Graph.Source.TINY_TRAINING_PKL, ModelLoader.load(pkl).source);
    }

    private static String failure(Path p) {
        return assertThrows(KtException.class, () -> ModelLoader.load(p)).getMessage();
    }

    @Test
    void explainsWhatIsNotAModel(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("missing.tflite");
        assertEquals(missing + ": no such file", failure(missing));
        assertEquals(dir + ": is a directory, not a model file", failure(dir));

        Path empty = Files.write(dir.resolve("empty.tflite"), new byte[0]);
        assertTrue(failure(empty).startsWith(empty + ": not a model kilotrain knows") && failure(empty)
                .endsWith("found an empty file"), failure(empty));

        Path bmp = MODELS.resolve("tflite-micro/person.bmp");
        String m = failure(bmp);
        assertTrue(m.startsWith(bmp + ": not a model kilotrain knows") && m.contains("42 4d"), m);

        Path zip = dir.resolve("other.zip");
        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new java.util.zip.ZipEntry("readme.txt"));
            out.write("hello".getBytes());
        }
        m = failure(zip);
        assertTrue(m.startsWith(zip.toString()) && m.contains("data.pkl"), m);
    }
}
