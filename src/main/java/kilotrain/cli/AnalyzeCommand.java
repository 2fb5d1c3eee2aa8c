package kilotrain.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import kilotrain.KtException;
import kilotrain.compiler.TrainCompiler;
import kilotrain.data.DatasetSplit;
import kilotrain.data.SampleSource;
import kilotrain.data.TrainAugment;
import kilotrain.program.TrainState;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.search.AnalysisCache;
import kilotrain.search.AnalysisTable;
import kilotrain.search.ContributionAnalysis;
import kilotrain.search.IntLists;
import kilotrain.search.Measurement;
import kilotrain.search.TrainerMeasure;
import kilotrain.train.FrozenPrefix;
import kilotrain.train.LrSchedule;
import kilotrain.train.Trainer;
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
        long t0 = System.nanoTime();
        Checks.epochs(epochs, warmup);
        hp.check();
        Checks.atLeast("--parallel", parallel, 1);
        optimizer.momentum();
        run.check();
        IntLists.ratios(ratios, "--ratios");
        Checks.outFolder("--out", out);
        Graph graph = ModelLoader.load(model, hp.imageSize());
        int n = TrainCompiler.backboneConvs(graph).size();
        List<Integer> ks = biasK != null ? IntLists.parse(biasK, "--bias-k") : defaultBiasK(n);
        for (int k : ks) {
            if (k < 0 || k > n + 1) {
                throw new KtException("--bias-k: " + k + " is outside 0.." + (n + 1) + " (" + model.getFileName()
                        + " has " + n + " backbone convs plus the classifier)");
            }
        }
        List<Integer> convs = layers != null ? IntLists.parse(layers, "--layers") : range(n / 2, n - 1);
        for (int c : convs) {
            if (c < 0 || c >= n) {
                throw new KtException("--layers: conv " + c + " is outside 0.." + (n - 1) + " (backbone convs of "
                        + model.getFileName() + ")");
            }
        }
        if (weightBaseK != null && (weightBaseK < 0 || weightBaseK > n + 1)) {
            throw new KtException("--weight-base-k: " + weightBaseK + " is outside 0.." + (n + 1) + " ("
                    + model.getFileName() + " has " + n + " backbone convs plus the classifier)");
        }
        List<Double> rs = IntLists.ratios(ratios, "--ratios");
        if (parallel < 1) {
            throw new KtException("--parallel must be at least 1");
        }
        DatasetSplit split = run.subset.open(data, graph);
        TrainAugment aug = run.subset.augmentation();
        SampleSource src = new SampleSource(split, run.input.spec(graph.input), aug, run.input.transform(), hp.seed);
        if (src.testSize() == 0) {
            throw new KtException(data + ": no test samples; the analysis scores every scheme on the test part");
        }
        TrainState.Options so = run.rules.options(hp.qas(), optimizer.momentum(), (int) hp.seed);
        int t = hp.threads.count();
        Trainer.Options to = new Trainer.Options(epochs, warmup, hp.lr, hp.batch, LrSchedule.Kind.COSINE, t,
                Trainer.explodingLoss(src.classes().size()));
        kilotrain.compiler.TrainSpec.Head h = run.head.resolve(graph);
        TrainerMeasure fn = new TrainerMeasure(graph, src, src.classes().size(), so, to, hp.seed,
                h);
        ObjectNode settings = settings(src, h);
        String fingerprint = Json.MAPPER.createObjectNode().setAll(settings).toString();
        AnalysisCache cache = new AnalysisCache(out, fingerprint);
        ContributionAnalysis.Listener listener = (m, a, sec, cached, done, total, eta) -> System.err.printf(
                Locale.ROOT, "[%d/%d] %-28s %6.2f %% %s%n", done, total, m.id(), 100 * a, cached ? "(cached)"
                        : String.format(Locale.ROOT, "(%.1f s, ETA %s)", sec, duration(eta)));
        int measured = 0;
        int baseK;
        if (weightBaseK != null) {
            baseK = weightBaseK;
        } else {
            // The weight layers are measured over the best bias-only baseline, so first measure the bias depths.
            List<Measurement> first = ContributionAnalysis.plan(ks, List.of(), rs, 0);
            System.err.printf(Locale.ROOT, "contribution analysis of %s on %s: %d train / %d test samples, %d "
                    + "epoch(s); bias depths first (%d measurements)%n", model.getFileName(), data, src.trainSize(),
                    src.testSize(), warmup + epochs, first.size());
            ContributionAnalysis.Result r1 = ContributionAnalysis.run(first, fn, cache, parallel, t, listener);
            measured += r1.measured();
            baseK = ks.get(ks.size() - 1);
            double best = Double.NEGATIVE_INFINITY;
            for (var e : r1.accuracy().entrySet()) {
                if (e.getKey().kind() == Measurement.Kind.BIAS && e.getValue() > best) {
                    best = e.getValue();
                    baseK = e.getKey().biasK();
                }
            }
        }
        List<Measurement> plan = ContributionAnalysis.plan(ks, convs, rs, baseK);
        if (reuseFrozen) {
            int first = n;
            for (Measurement m : plan) {
                if (m.kind() == Measurement.Kind.WEIGHT) {
                    first = Math.min(first, FrozenPrefix.firstTrained(m.scheme(), n));
                }
            }
            FrozenPrefix prefix = FrozenPrefix.before(graph, first, src, warmup + epochs,
                    Runtime.getRuntime().maxMemory() / 4);
            if (prefix != null) {
                fn.reusing(prefix);
                System.err.printf(Locale.ROOT, "reusing the frozen front: %d convs computed once per sample "
                        + "(%,d bytes each)%n", prefix.skippedConvs(), prefix.cutBytes());
            }
        }
        System.err.printf(Locale.ROOT, "contribution analysis of %s on %s: %d train / %d test samples, %d epoch(s), "
                + "%d measurements (%d bias depths, %d convs x %d ratios over bias-only:%d), %d at a time%n",
                model.getFileName(), data, src.trainSize(), src.testSize(), warmup + epochs, plan.size(), ks.size(),
                convs.size(), rs.size(), baseK, parallel);
        ContributionAnalysis.Result r = ContributionAnalysis.run(plan, fn, cache, parallel, t, listener);
        measured += r.measured();
        double wall = (System.nanoTime() - t0) / 1e9;
        settings.put("wall_seconds", wall);
        settings.put("measured_this_run", measured);
        AnalysisTable table = AnalysisTable.of(AnalysisTable.stem(model), n, baseK, r.accuracy(), settings);
        table.write(out);
        System.out.printf(Locale.ROOT, "classifier-only %.2f %%; best bias depth: %s; analysis written to %s "
                + "(analysis.json, analysis.csv, heatmap.png); %d measured, %d cached, wall time %s%n",
                100 * table.baselineAccuracy, bestBias(table), out, measured, plan.size() - measured, duration(wall));
        return 0;
    }

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

    static List<Integer> defaultBiasK(int n) {
        int step = Math.max(1, (n + 1) / 8);
        List<Integer> ks = new ArrayList<>();
        for (int k = step; k < n + 1; k += step) {
            ks.add(k);
        }
        ks.add(n + 1);
        return ks;
    }

    private static List<Integer> range(int a, int b) {
        List<Integer> l = new ArrayList<>();
        for (int i = a; i <= b; i++) {
            l.add(i);
        }
        return l;
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
