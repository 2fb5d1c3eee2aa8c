package kilotrain.importer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import kilotrain.ir.Graph;

/**
 * Robustness of the importers against damaged model files: thousands of deterministic mutants of every shipped
 * model must each import or fail with a KtException, in bounded time and memory.
 */
class ModelFuzzTest {
    static final Path MODELS = Path.of(System.getProperty("user.dir")).resolve("../shared/models").normalize();
    static final int MUTANTS = 2000;

    static Stream<String> models() {
        return Stream.of("mlperf-tiny/pretrainedResnet_quant.tflite", "mlperf-tiny/vww_96_int8.tflite",
                "mlperf-tiny/kws_ref_model.tflite", "mlperf-tiny/ad01_int8.tflite",
                "tflite-micro/person_detect.tflite", "tiny-training/mcunet-5fps.pkl", "tiny-training/mbv2-w0.35.pkl",
                "tiny-training/proxyless-w0.3.pkl");
    }

    @ParameterizedTest
    @MethodSource("models")
    void mutantsImportOrFailCleanly(String model) throws Exception {
        Path file = MODELS.resolve(model);
        Graph g = ModelLoader.load(file);
        assertTrue(g.ops.size() > 0);
        Fuzz.Report r = Fuzz.run(file, MUTANTS, model.hashCode(), 5000);
        System.out.println(r);
        assertTrue(r.findings().isEmpty(), r + "\n" + String.join("\n", r.findings().subList(0,
                Math.min(15, r.findings().size()))));
        assertTrue(r.errors() > MUTANTS / 10, "the mutants should mostly be caught as damaged: " + r);
    }
}
