package kilotrain.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import kilotrain.data.InputFiles;
import kilotrain.util.AtomicFiles;

/**
 * {@code predict} as one call: open the model (a fine-tuned one through its recorded input), score each input file
 * (an image, a raw tensor or a .npy sample) and rank the classes; with {@code rawOutput}, write the model's output
 * tensor of the last input there (never over an input or the model).
 *
 * @param model     the model file
 * @param inputs    the input files, scored in order
 * @param input     the input convention
 * @param rawOutput the output tensor's file (null: none)
 */
public record PredictRun(Path model, List<Path> inputs, Models.InputConvention input, Path rawOutput) {

    /**
     * One input's result: the raw output tensor, the scores, the class indices by descending score (ties by index)
     * and the model's class names.
     */
    public record Prediction(Path input, byte[] raw, float[] scores, List<Integer> order, List<String> classes) {
    }

    /** Scores every input, handing each result to {@code each} as soon as it is known. */
    public void run(Consumer<Prediction> each) {
        Predictor p = Models.open(model, input);
        Predictor.Scorer s = p.scorer();
        List<String> classes = p.classes();
        byte[] lastRaw = null;
        for (Path in : inputs) {
            byte[] x = InputFiles.load(in, p.inputSpec(), input.transform(), p.rawInputIsNchw());
            float[] scores = s.scores(x);
            byte[] raw = s.rawOutput();
            lastRaw = p.modelOutput(raw, scores);
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < scores.length; i++) {
                order.add(i);
            }
            order.sort((a, b) -> scores[a] != scores[b] ? Float.compare(scores[b], scores[a]) : Integer.compare(a, b));
            each.accept(new Prediction(in, raw, scores, order, classes));
        }
        if (rawOutput != null) {
            AtomicFiles.checkNotInput(rawOutput, inputs.toArray(new Path[0]));
            AtomicFiles.checkNotInput(rawOutput, model);
            byte[] bytes = lastRaw;
            AtomicFiles.write(rawOutput, o -> o.write(bytes));
        }
    }
}
