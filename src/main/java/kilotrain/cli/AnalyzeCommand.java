package kilotrain.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import kilotrain.KtException;
import kilotrain.data.SampleSource;
import kilotrain.search.AnalysisTable;
import kilotrain.search.AnalyzeRun;
import kilotrain.search.ContributionAnalysis;
import kilotrain.search.IntLists;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = "Contribution analysis: fine-tune the classifier alone, the biases of the last k convs for each k, "
                + "and each conv's weights at each channel ratio over the bias-only baseline; record every accuracy "
                + "gain (analysis.json/csv, heatmap.png). Finished measurements are cached: rerun to resume.")
final class AnalyzeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Model: .tflite or the paper's .pkl.")
    Path model;

    @Option(names = "--data", required = true, description = "Dataset folder with train/ and test/ parts.")
    Path data;

    @Option(names = "--out", required = true, description = "Output folder (also the cache: rerun to resume).")
    Path out;

    @Option(names = "--bias-k", description = "Bias depths k to measure, e.g. 4,8,12,16 or 2-10 (default: 8 spread "
            + "over 1..N+1, N+1 included).")
    String biasK;

    @Option(names = "--weight-base-k", description = "Bias-only baseline the weight layers are measured on "
            + "(default: the most accurate measured bias depth).")
    Integer weightBaseK;

    @Option(names = "--layers", description = "Convs whose weights are measured, e.g. 21-41 or 21,24,27 "
            + "(default: the later half of the backbone, where the paper finds the gains).")
    String layers;

    @Option(names = "--ratios", defaultValue = "1/8,1/4,1/2,1", description = "Channel ratios (default ${DEFAULT-VALUE}).")
    String ratios;

    @Option(names = "--epochs", defaultValue = "1", description = "Epochs per measurement (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--warmup-epochs", defaultValue = "0", description = "Warm-up epochs per measurement (default ${DEFAULT-VALUE}).")
    int warmup;

    @Mixin
    RunOptions hp;

    @Option(names = "--parallel", defaultValue = "1",
            description = "Measurements run at once, sharing the threads (default ${DEFAULT-VALUE}: one at a time, all threads).")
    int parallel;

    @Option(names = "--reuse-frozen", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Compute the frozen front of the network once per sample and share it between the "
                    + "measurements that train nothing there (default; the accuracies are identical, "
                    + "--no-reuse-frozen recomputes it in every measurement).")
    boolean reuseFrozen;

    @Mixin
    FineTuneOptions run;

    @Mixin
    OptimizerOption optimizer;

    @Override
    public Integer call() {
        Checks.epochs(epochs, warmup);
        hp.check();
        Checks.atLeast("--parallel", parallel, 1);
        optimizer.momentum();
        run.check();
        IntLists.ratios(ratios, "--ratios");
        Checks.outFolder("--out", out);
        ContributionAnalysis.Listener listener = (m, a, sec, cached, done, total, eta) -> System.err.printf(
                Locale.ROOT, "[%d/%d] %-28s %6.2f %% %s%n", done, total, m.id(), 100 * a, cached ? "(cached)"
                        : String.format(Locale.ROOT, "(%.1f s, ETA %s)", sec, duration(eta)));
        AnalyzeRun.Outcome done = new AnalyzeRun(model, data, out, biasK, weightBaseK, layers, ratios, epochs,
                warmup, hp.lr, hp.batch, hp.seed, hp.imageSize(), hp.threads.count(), parallel, reuseFrozen,
                run.rules.options(hp.qas(), optimizer.momentum(), (int) hp.seed), run.head::resolve, run.subset::open,
                run.input::spec, run.subset.augmentation(), run.input.transform(), this::settings)
                .run(listener, System.err::println);
        AnalysisTable table = done.table();
        System.out.printf(Locale.ROOT, "classifier-only %.2f %%; best bias depth: %s; analysis written to %s "
                + "(analysis.json, analysis.csv, heatmap.png); %d measured, %d cached, wall time %s%n",
                100 * table.baselineAccuracy, bestBias(table), out, done.measured(),
                done.measurements() - done.measured(), duration(done.wallSeconds()));
        return 0;
    }

    /** The analysis' recorded settings (the cache's fingerprint: keys and order stay). */
    private ObjectNode settings(SampleSource src, kilotrain.compiler.TrainSpec.Head h) {
        ObjectNode o = Json.object();
        o.put("model", model.toAbsolutePath().normalize().toString());
        try {
            o.put("model_bytes", Files.size(model));
        } catch (java.io.IOException e) {
            throw new KtException("cannot read " + model + ": " + e.getMessage());
        }
        o.put("data", data.toAbsolutePath().normalize().toString());
        o.put("train_samples", src.trainSize());
        o.put("test_samples", src.testSize());
        o.put("classes", src.classes().size());
        o.put("train_limit", run.subset.trainLimit);
        o.put("train_limit_per_class", run.subset.trainPerClass);
        o.put("test_limit", run.subset.testLimit);
        o.put("test_limit_per_class", run.subset.testPerClass);
        o.put("image_size", hp.imageSize());
        o.put("epochs", epochs);
        o.put("warmup_epochs", warmup);
        o.put("lr", hp.lr);
        o.put("batch", hp.batch);
        o.put("qas", hp.qas);
        o.put("update_rule", run.rules.updateRule);
        o.put("bias_rule", run.rules.biasRule);
        // only a step limit enters the settings, so the cache of earlier analyses stays valid
        if (run.rules.maxStep() != kilotrain.ops.update.Int8WeightUpdate.UNLIMITED) {
            o.put("max_step", run.rules.maxStep());
        }
        o.put("augment", run.subset.augment);
        // these enter only when given, so the cache of earlier analyses stays valid
        SampleOptions so = run.subset.samples;
        if (so.skip) {
            o.put("skip_bad_samples", true);
        }
        if (so.labelColumn != null) {
            o.put("label_column", so.labelColumn);
        }
        if (so.targetColumns != null) {
            o.put("target_columns", String.join(",", so.targetColumns));
        }
        o.put("seed", hp.seed);
        // only momentum enters the settings, so the cache of earlier plain-SGD analyses stays valid
        if (optimizer.hasState()) {
            o.put("optimizer", optimizer.name());
        }
        // only a non-default head enters the settings, so the cache of earlier float-head analyses stays valid
        if (h != kilotrain.compiler.TrainSpec.Head.FLOAT) {
            o.put("head", h.cli());
        }
        // the offset enters only when given, so the cache of earlier analyses stays valid
        o.put("input", Arrays.toString(run.input.mean) + Arrays.toString(run.input.std) + run.input.rawPixels + ","
                + run.input.resizeShorter() + (run.input.pixelOffset == null ? "" : ",offset " + run.input.pixelOffset)
                + (run.input.referencePixels ? ",reference pixels" : ""));
        return o;
    }

    private static String bestBias(AnalysisTable t) {
        int best = 0;
        double g = 0;
        for (int k : t.biasAccuracy.keySet()) {
            if (t.biasGain(k) > g) {
                g = t.biasGain(k);
                best = k;
            }
        }
        return best == 0 ? "none beats the classifier alone"
                : String.format(Locale.ROOT, "bias-only:%d (+%.2f points)", best, 100 * g);
    }

    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
                : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
