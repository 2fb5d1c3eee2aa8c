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
    }

    public static Predictor open(Path file, InputConvention input) {
        if (java.nio.file.Files.isRegularFile(file) && TrainedModel.looksLike(file)) {
            TrainedModel m = TrainedModel.load(file);
            return new TrainedPredictor(m, input.spec(m.graph.input));
        }
        Graph g = ModelLoader.load(file);
        return new GraphPredictor(g, input.spec(g.input));
    }
}
