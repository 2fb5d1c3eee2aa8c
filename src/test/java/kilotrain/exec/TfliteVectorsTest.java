package kilotrain.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import kilotrain.importer.tflite.TfliteImporter;
import kilotrain.ir.Graph;

/**
 * Every TFLite model in ../shared/models against TensorFlow Lite Micro's reference-kernel outputs in
 * ../shared/testvectors/tflite: every vector, byte for byte.
 */
class TfliteVectorsTest {
    static final Path SHARED = TfliteForwardTest.MODELS.getParent();

    static Stream<Path> models() throws IOException {
        try (Stream<Path> dirs = Files.list(TfliteForwardTest.MODELS)) {
            List<Path> all = dirs.filter(Files::isDirectory).flatMap(d -> {
                try {
                    return Files.list(d).filter(f -> f.toString().endsWith(".tflite")).toList().stream();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sorted().toList();
            assertEquals(8, all.size(), "the eight TFLite models of ../shared/models: " + all);
            return all.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void everyVectorMatchesTfliteMicro(Path model) throws IOException {
        Graph g = TfliteImporter.load(model);
        Path dir = SHARED.resolve("testvectors/tflite").resolve(g.name);
        Executor ex = new Executor(g);
        List<Path> inputs;
        try (Stream<Path> s = Files.list(dir.resolve("in"))) {
            inputs = s.sorted().toList();
        }
        assertTrue(inputs.size() >= 20, dir + " holds " + inputs.size() + " vectors");
        for (Path in : inputs) {
            byte[] want = Files.readAllBytes(dir.resolve("out").resolve(in.getFileName().toString()
                    .replace(".int8", ".out")));
            assertArrayEquals(want, ex.run(Files.readAllBytes(in)), g.name + " " + in.getFileName());
        }
    }
}
