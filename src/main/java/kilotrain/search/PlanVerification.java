package kilotrain.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Function;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainSpec;
import kilotrain.data.DatasetSplit;
import kilotrain.data.InputSpec;
import kilotrain.data.LoadOptions;
import kilotrain.data.SampleSource;
import kilotrain.data.TestTransform;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.ir.Tensor;
import kilotrain.program.TrainState;
import kilotrain.train.LrSchedule;
import kilotrain.train.RunSettings;
import kilotrain.train.Trainer;

/**
 * {@code plan --verify} as one call: fine-tune the found scheme (and a rival, e.g. the largest published scheme that
 * fits) under an analysis' recorded settings, once per seed, each seed's fine-tunes from the same model and data
 * (opened once), so the accuracies compare with the prediction and with each other, paired by seed.
 *
 * @param settings  the analysis' recorded settings (data, image size, limits, update rules, epochs, lr, ...), with
 *                  any replaced values; the sample counts of the verification's split are recorded into it
 * @param model     the analysed model file
 * @param classes   the head's classes
 * @param input     the input convention for the model's input tensor
 * @param transform the test-time transform
 * @param threads   threads of each fine-tune
 */
public record PlanVerification(ObjectNode settings, Path model, int classes, Function<Tensor, InputSpec> input,
        TestTransform transform, int threads) {

    /** The found scheme's accuracies, and the rival's (null when there is none), per seed. */
    public record Result(SeedAccuracies found, SeedAccuracies rival) {
    }

    /**
     * Fine-tunes {@code found} and {@code rival} (null: none) once per seed; {@code log} receives one line per
     * fine-tune and per result, {@code progress} the epochs.
     */
    public Result run(long[] seeds, Scheme found, Scheme rival, Trainer.Progress progress, Consumer<String> log) {
        Graph graph = ModelLoader.load(model, settings.path("image_size").asInt(0));
        JsonNode s = settings;
        DatasetSplit split = RunSettings.split(Path.of(s.get("data").asText()), graph.input,
                s.path("train_limit").asInt(), s.path("train_limit_per_class").asInt(), s.path("test_limit").asInt(),
                s.path("test_limit_per_class").asInt(), recordedSampleOptions(s));
        // the counts the analysis recorded are its own; the verification's subset may differ
        settings.put("train_samples", split.train() == null ? 0 : split.train().size());
        settings.put("test_samples", split.test() == null ? 0 : split.test().size());
        double[] foundAcc = new double[seeds.length], rivalAcc = new double[seeds.length];
        for (int i = 0; i < seeds.length; i++) {
            TrainerMeasure m = measure(graph, split, seeds[i], log);
            foundAcc[i] = train(m, found, progress, log);
            rivalAcc[i] = rival == null ? Double.NaN : train(m, rival, progress, log);
        }
        return new Result(new SeedAccuracies(seeds, foundAcc), rival == null ? null
                : new SeedAccuracies(seeds, rivalAcc));
    }

    /**
     * How the analysis read its samples, as it recorded it: unreadable samples skipped ({@code skip_bad_samples}),
     * the CSV label or target columns ({@code label_column}, {@code target_columns}).
     */
    public static LoadOptions recordedSampleOptions(JsonNode s) {
        String label = s.hasNonNull("label_column") ? s.get("label_column").asText() : null;
        List<String> targets = s.hasNonNull("target_columns")
                ? List.of(s.get("target_columns").asText().split(",")) : null;
        return LoadOptions.defaults().withOnUnreadable(s.path("skip_bad_samples").asBoolean(false)
                ? LoadOptions.OnUnreadable.SKIP : LoadOptions.OnUnreadable.FAIL).withColumns(label, targets);
    }

    /** The fine-tunes of one seed under the recorded settings. */
    private TrainerMeasure measure(Graph graph, DatasetSplit split, long seed, Consumer<String> log) {
        JsonNode s = settings;
        SampleSource src = new SampleSource(split, input.apply(graph.input),
                RunSettings.augmentation(s.path("augment").asText("standard")), transform, seed);
        TrainState.Options so = new TrainState.Options(!s.path("qas").asText("on").equals("off"),
                RunSettings.momentum(s.path("optimizer").asText("sgd"), "the analysis' optimizer"),
                RunSettings.weightRule(s.path("update_rule").asText("shadow")),
                RunSettings.biasRule(s.path("bias_rule").asText("shadow")), (int) seed,
                RunSettings.maxStep(s.path("max_step").asText("none")));
        Trainer.Options to = new Trainer.Options(s.path("epochs").asInt(1), s.path("warmup_epochs").asInt(0),
                s.path("lr").asDouble(0.025), s.path("batch").asInt(64), LrSchedule.Kind.COSINE, threads,
                Trainer.explodingLoss(src.classes().size()));
        log.accept(String.format(Locale.ROOT, "verifying with seed %d: fine-tuning on %d samples for %d epoch(s) at "
                + "lr %s, testing on %d", seed, src.trainSize(), to.warmupEpochs() + to.epochs(),
                s.path("lr").asText(), src.testSize()));
        return new TrainerMeasure(graph, src, classes, so, to, seed,
                TrainSpec.Head.parse(s.path("head").asText("float")));
    }

    private double train(TrainerMeasure m, Scheme scheme, Trainer.Progress progress, Consumer<String> log) {
        double acc = m.train(scheme, threads, progress);
        log.accept(String.format(Locale.ROOT, "verified %s: %.2f %%", scheme.name, 100 * acc));
        return acc;
    }
}
