package kilotrain.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import kilotrain.KtException;
import kilotrain.data.Dataset;
import kilotrain.data.DatasetSplit;
import kilotrain.data.LoadOptions;
import kilotrain.data.SampleSource;
import kilotrain.data.TrainAugment;

/**
 * {@code eval} as one call: open the model (a fine-tuned one through its recorded input), read the dataset's test
 * part, choose the evaluation (regression for targets, anomaly detection for an autoencoder, classification
 * otherwise, or as {@code task} says) and run it.
 *
 * @param model         the model file
 * @param dataset       the dataset folder or file
 * @param limit         at most this many samples, class-balanced (0: all)
 * @param limitPerClass the first samples of each class (0: all)
 * @param task          auto, classify, regress or autoencode
 * @param input         the input convention
 * @param samples       how samples are read besides the limits and the input (unreadable ones, CSV columns)
 * @param threads       threads of the classification
 */
public record EvalRun(Path model, Path dataset, int limit, int limitPerClass, String task,
        Models.InputConvention input, UnaryOperator<LoadOptions> samples, int threads) {

    /** A progress display of one pass over the samples, opened with their count and unit. */
    public interface Meter extends AutoCloseable {
        void step();

        @Override
        void close();
    }

    /**
     * What was evaluated: exactly one of {@code classification}, {@code regression}, {@code anomaly} is set; the
     * test part's class names and the samples skipped as unreadable ("file: reason").
     */
    public record Outcome(Evaluation classification, RegressionEvaluation regression, AnomalyEvaluation anomaly,
            List<String> classes, List<String> skipped) {
    }

    /**
     * Evaluates; {@code skippedLog} receives the skipped samples before the evaluation starts, {@code meter} opens
     * the progress display (count, unit).
     */
    public Outcome run(Consumer<List<String>> skippedLog, BiFunction<Integer, String, Meter> meter) {
        Predictor p = Models.open(model, input);
        LoadOptions lo = samples.apply(LoadOptions.defaults().withLimit(limit).withLimitPerClass(limitPerClass)
                .withInput(p.inputSpec().shape(), p.inputSpec().quant));
        Dataset test = DatasetSplit.openTest(dataset, lo);
        List<String> skipped = new ArrayList<>(test.skipped());
        skippedLog.accept(skipped);
        if (test.size() == 0) {
            throw new KtException("dataset " + dataset + " has no samples to evaluate");
        }
        SampleSource src = new SampleSource(null, test, p.inputSpec(), TrainAugment.none(), input.transform(), 0);
        if (!List.of("auto", "classify", "regress", "autoencode").contains(task)) {
            throw new KtException("--task must be auto, classify, regress or autoencode, got " + task);
        }
        if (test.hasTargets() && !task.equals("classify") && !task.equals("autoencode")) {
            // a dataset of regression targets: mean squared and absolute errors of the dequantized outputs
            try (Meter m = meter.apply(test.size(), "samples")) {
                return new Outcome(null, RegressionEvaluation.run(p, src, test, m::step), null, test.classes(),
                        skipped);
            }
        }
        if (task.equals("autoencode") || task.equals("auto") && !test.hasTargets() && reconstructs(p, src)) {
            // an autoencoder on normal and anomalous samples: ROC AUC of the reconstruction errors
            try (Meter m = meter.apply(test.size(), "smp")) {
                return new Outcome(null, null, AnomalyEvaluation.run(p, src, test, m::step), test.classes(), skipped);
            }
        }
        try (Meter m = meter.apply(test.size(), "img")) {
            return new Outcome(Evaluation.run(p, src, threads, m::step), null, null, test.classes(), skipped);
        }
    }

    private static boolean reconstructs(Predictor p, SampleSource src) {
        byte[] in = new byte[p.inputSpec().bytes()];
        src.fillTest(0, in);
        return AnomalyEvaluation.reconstructs(p, in);
    }
}
