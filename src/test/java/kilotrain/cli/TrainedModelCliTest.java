package kilotrain.cli;

import static kilotrain.cli.CliTest.JSON;
import static kilotrain.cli.CliTest.SHARED;
import static kilotrain.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipFile;
import kilotrain.model.TrainedModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * model.ktm read back by eval, predict and train. A model fine-tuned on one input rule is read through that rule: eval
 * of the saved model, given no input option, reproduces the run's own test accuracy, and predict gives the outputs of
 * the rule it was trained on. train goes on from its trained values.
 */
class TrainedModelCliTest {
    static final String MODEL = SHARED.resolve("models/tiny-training/mcunet-5fps.pkl").toString();
    static final String DATA = SHARED.resolve("data/cifar10").toString();
    static final String IMAGE = SHARED.resolve("data/cifar10/test/cat/0003.jpg").toString();

    @TempDir
    static Path dir;
    static Path ktm;
    static double runAccuracy;

    @BeforeAll
    static void train() throws Exception {
        Path out = dir.resolve("run");
        CliTest.Result r = run("train", "--model", MODEL, "--data", DATA, "--scheme", "bias-only:2", "--epochs", "1",
                "--warmup-epochs", "0", "--train-limit-per-class", "2", "--test-limit-per-class", "4", "--batch", "4",
                "--lr", "0.05", "--reference-pixels", "--resize-shorter", "147", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        ktm = out.resolve("model.ktm");
        runAccuracy = JSON.readTree(Files.readString(out.resolve("metrics.json"))).get("test_accuracy").asDouble();
    }

    @Test
    void manifestRecordsTheInput() throws Exception {
        try (ZipFile z = new ZipFile(ktm.toFile())) {
            JsonNode in = JSON.readTree(z.getInputStream(z.getEntry("manifest.json"))).get("input");
            assertEquals("reference pixels", in.get("rule").asText());
            assertEquals(147, in.get("resize_shorter").asInt());
            assertEquals(3, in.get("tables").size());
            // pixel 0 is -127.49999 in float32, so -127: the reference's rule, not p - 128
            assertTrue(in.get("tables").get(0).asText().startsWith("81"), in.toString());
        }
        TrainedModel m = TrainedModel.load(ktm);
        assertEquals("reference pixels", m.input.spec().rule);
        assertEquals(147, m.input.resizeShorter());
    }

    @Test
    void evalWithoutOptionsUsesTheTrainedInput() throws Exception {
        CliTest.Result r = run("eval", "--json", "--limit-per-class", "4", ktm.toString(), DATA);
        assertEquals(0, r.code(), r.err());
        assertEquals(runAccuracy, JSON.readTree(r.out()).get("top1").asDouble(), 1e-9,
                "eval of model.ktm is the run's last test accuracy");
        assertFalse(r.err().contains("note:"), r.err());
    }

    @Test
    void predictFollowsTheTrainedInputAndAnExplicitOptionWinsWithANote() throws Exception {
        CliTest.Result recorded = run("predict", "--json", ktm.toString(), IMAGE);
        CliTest.Result same = run("predict", "--json", "--reference-pixels", "--resize-shorter", "147", ktm.toString(), IMAGE);
        CliTest.Result other = run("predict", "--json", "--pixel-offset", "128", ktm.toString(), IMAGE);
        assertEquals(0, recorded.code(), recorded.err());
        assertEquals(0, other.code(), other.err());
        assertEquals(JSON.readTree(same.out()).get("scores"), JSON.readTree(recorded.out()).get("scores"));
        assertNotEquals(JSON.readTree(other.out()).get("scores"), JSON.readTree(recorded.out()).get("scores"));
        assertTrue(other.err().contains("was fine-tuned on input 'reference pixels'; using 'pixel - 128' as asked"),
                other.err());
        assertFalse(same.err().contains("note:"), same.err());
    }

    @Test
    void aModelWithoutARecordedInputReadsAsBefore() throws Exception {
        TrainedModel m = TrainedModel.load(ktm);
        Path old = dir.resolve("old.ktm");
        new TrainedModel(m.baseName, m.baseBytes, m.imageSize, m.graph, m.scheme, m.classes, m.seed, m.program, m.state)
                .save(old);
        assertNull(TrainedModel.load(old).input);
        CliTest.Result r = run("predict", "--json", old.toString(), IMAGE);
        CliTest.Result p128 = run("predict", "--json", "--pixel-offset", "128", "--resize-shorter", "0", ktm.toString(), IMAGE);
        assertEquals(0, r.code(), r.err());
        assertEquals(JSON.readTree(p128.out()).get("scores"), JSON.readTree(r.out()).get("scores"),
                "no record: the default input, pixel - 128, plain resize");
    }

    @Test
    void trainGoesOnFromTheTrainedValues() throws Exception {
        Path still = dir.resolve("still");
        CliTest.Result r = run("train", "--model", ktm.toString(), "--data", DATA, "--epochs", "1", "--warmup-epochs", "0",
                "--train-limit-per-class", "2", "--test-limit-per-class", "4", "--batch", "4", "--lr", "1e-30",
                "--out", still.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(runAccuracy, JSON.readTree(Files.readString(still.resolve("metrics.json"))).get("test_accuracy")
                .asDouble(), 1e-9, "at lr 1e-30 (no update survives rounding) the continued run tests as the model it started from, through its input");
        TrainedModel a = TrainedModel.load(ktm), b = TrainedModel.load(still.resolve("model.ktm"));
        assertEquals("reference pixels", b.input.spec().rule);
        assertEquals(147, b.input.resizeShorter());
        assertEquals(a.baseName, b.baseName);
        assertTrue(a.scheme.sameUpdates(b.scheme));
        assertEquals(a.program.params.size(), b.program.params.size());
        for (int i = 0; i < a.program.params.size(); i++) {
            // each load compiles its own program: a parameter is read through its own model's state
            String name = a.program.params.get(i).name;
            assertEquals(name, b.program.params.get(i).name);
            assertTrue(java.util.Objects.deepEquals(a.state.value(a.program.params.get(i)),
                    b.state.value(b.program.params.get(i))), name);
        }

        Path moved = dir.resolve("moved");
        r = run("train", "--model", ktm.toString(), "--data", DATA, "--epochs", "1", "--warmup-epochs", "0",
                "--train-limit-per-class", "2", "--test-limit-per-class", "1", "--batch", "4", "--lr", "0.05",
                "--out", moved.toString());
        assertEquals(0, r.code(), r.err());
        TrainedModel c = TrainedModel.load(moved.resolve("model.ktm"));
        int bias = 2; // conv41.bias, the trained conv bias
        assertEquals("conv41.bias", a.program.params.get(bias).name);
        assertFalse(java.util.Objects.deepEquals(a.state.value(a.program.params.get(bias)),
                c.state.value(c.program.params.get(bias))), "at lr 0.05 it trains");
    }

    @Test
    void aNegativeResizeIsRefusedByName() {
        CliTest.Result r = run("eval", "--resize-shorter", "-1", "--limit", "1", ktm.toString(), DATA);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--resize-shorter must be 0 (plain resize) or a size in pixels, got -1"), r.err());
    }

    @Test
    void trainRefusesAnotherSchemeForAKtm() {
        Path out = dir.resolve("other");
        CliTest.Result r = run("train", "--model", ktm.toString(), "--data", DATA, "--scheme", "last-k:2", "--epochs", "1",
                "--train-limit-per-class", "1", "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("was fine-tuned with scheme bias-only:2") && r.err().contains("mcunet-5fps.pkl"),
                r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        assertFalse(Files.exists(out), "nothing written");
    }
}
