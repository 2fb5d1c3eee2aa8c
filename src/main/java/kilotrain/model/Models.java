package kilotrain.model;

import java.nio.file.Path;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;

/** Opens any model a command takes: an imported int8 graph, or a fine-tuned kilotrain model. */
public final class Models {
    private Models() {
    }

    /** The input spec options of the CLI, kept abstract so this package does not depend on it. */
    public interface InputConvention {
        kilotrain.data.InputSpec spec(kilotrain.ir.Tensor input);

        /** Whether the user named a pixel rule; if not, a fine-tuned model's recorded one applies. */
        boolean pixelRuleGiven();

        /** Whether the user named a test-time resize; if not, a fine-tuned model's recorded one applies. */
        boolean resizeGiven();

        /** The test-time resize of the shorter side (0: plain resize). */
        int resizeShorter();

        /** Adopts a fine-tuned model's recorded test-time resize. */
        void useResizeShorter(int resizeShorter);

        /** The test-time transform (after {@link #useResizeShorter}, when a fine-tuned model's applies). */
        kilotrain.data.TestTransform transform();
    }

    /**
     * The input a fine-tuned model is read through: the one it was trained on ({@link TrainedInput}) unless the user
     * names another, which then wins with a note on stderr, as a deliberate comparison is a fair thing to ask for.
     */
    public static kilotrain.data.InputSpec input(TrainedModel m, Path file, InputConvention input) {
        TrainedInput rec = m.input;
        if (rec == null) {
            return input.spec(m.graph.input);
        }
        kilotrain.data.InputSpec recorded = rec.spec();
        kilotrain.data.InputSpec spec = recorded;
        if (input.pixelRuleGiven()) {
            spec = input.spec(m.graph.input);
            if (!spec.sameMapping(recorded)) {
                System.err.printf("note: %s was fine-tuned on input '%s'; using '%s' as asked%n", file, recorded.rule,
                        spec.rule);
            }
        }
        if (!input.resizeGiven()) {
            input.useResizeShorter(rec.resizeShorter());
        }
        return spec;
    }

    /** Any model a command takes; a fine-tuned one through its input ({@link #input}). */
    public static Predictor open(Path file, InputConvention input) {
        if (java.nio.file.Files.isRegularFile(file) && TrainedModel.looksLike(file)) {
            TrainedModel m = TrainedModel.load(file);
            return new TrainedPredictor(m, input(m, file, input));
        }
        Graph g = ModelLoader.load(file);
        return new GraphPredictor(g, input.spec(g.input));
    }
}
