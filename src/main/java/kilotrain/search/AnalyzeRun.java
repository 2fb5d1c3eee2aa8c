package kilotrain.search;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import kilotrain.KtException;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.data.DatasetSplit;
import kilotrain.data.InputSpec;
import kilotrain.data.SampleSource;
import kilotrain.data.TestTransform;
import kilotrain.data.TrainAugment;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.ir.Tensor;
import kilotrain.program.TrainState;
import kilotrain.train.FrozenPrefix;
import kilotrain.train.LrSchedule;
import kilotrain.train.Trainer;

/**
 * {@code analyze} as one call: load the model, check the measured bias depths and layers against it, open the data,
 * measure the bias depths first (unless the weights' baseline depth is given) and the weight layers at each channel
 * ratio over the best of them ({@link ContributionAnalysis}, cached in {@code out}: a rerun resumes), sharing the
 * frozen front between measurements when asked, and write the analysis ({@link AnalysisTable#write}).
 *
 * @param model       the model file
 * @param data        the dataset
 * @param out         the output folder (also the cache)
 * @param biasK       the bias depths, e.g. "4,8,12" or "2-10" (null: 8 spread over 1..N+1, N+1 included)
 * @param weightBaseK the bias-only baseline of the weight layers (null: the most accurate measured depth)
 * @param layers      the convs whose weights are measured (null: the later half of the backbone)
 * @param ratios      the channel ratios, e.g. "1/8,1/4,1/2,1"
 * @param epochs      epochs per measurement
 * @param warmup      warm-up epochs per measurement
 * @param lr          base learning rate
 * @param batch       samples per update
 * @param seed        seed of the heads, shuffles and augmentations
 * @param imageSize   the model's input size (0: the model's own)
 * @param threads     threads, shared by the measurements running at once
 * @param parallel    measurements run at once
 * @param reuseFrozen compute the frozen front once per sample and share it
 * @param options     update rules and optimizer of every measurement
 * @param head        the head kind for the loaded model
 * @param open        opens the dataset's parts for the model (limits, sample options)
 * @param input       the input convention
 * @param augment     the training augmentation
 * @param transform   the test-time transform
 * @param settings    the recorded settings, a function of the samples and the head ({@code analysis.json}'s
 *                    {@code settings}; their text is the cache's fingerprint, so the cache of earlier analyses
 *                    stays valid only while the keys and their order do)
 */
public record AnalyzeRun(Path model, Path data, Path out, String biasK, Integer weightBaseK, String layers,
        String ratios, int epochs, int warmup, double lr, int batch, long seed, int imageSize, int threads,
        int parallel, boolean reuseFrozen, TrainState.Options options, Function<Graph, TrainSpec.Head> head,
        BiFunction<Path, Graph, DatasetSplit> open, Function<Tensor, InputSpec> input, TrainAugment augment,
        TestTransform transform, BiFunction<SampleSource, TrainSpec.Head, ObjectNode> settings) {

    /** What was analysed: the table written, the measurements made in this run and in all, the wall time. */
    public record Outcome(AnalysisTable table, int measured, int measurements, double wallSeconds) {
    }

    /** Analyses; {@code log} receives the run's lines, {@code listener} each measurement. */
    public Outcome run(ContributionAnalysis.Listener listener, Consumer<String> log) {
        long t0 = System.nanoTime();
        Graph graph = ModelLoader.load(model, imageSize);
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
        DatasetSplit split = open.apply(data, graph);
        SampleSource src = new SampleSource(split, input.apply(graph.input), augment, transform, seed);
        if (src.testSize() == 0) {
            throw new KtException(data + ": no test samples; the analysis scores every scheme on the test part");
        }
        Trainer.Options to = new Trainer.Options(epochs, warmup, lr, batch, LrSchedule.Kind.COSINE, threads,
                Trainer.explodingLoss(src.classes().size()));
        TrainSpec.Head h = head.apply(graph);
        TrainerMeasure fn = new TrainerMeasure(graph, src, src.classes().size(), options, to, seed, h);
        ObjectNode recorded = settings.apply(src, h);
        AnalysisCache cache = new AnalysisCache(out, recorded.toString());
        int measured = 0;
        int baseK;
        if (weightBaseK != null) {
            baseK = weightBaseK;
        } else {
            // The weight layers are measured over the best bias-only baseline, so first measure the bias depths.
            List<Measurement> first = ContributionAnalysis.plan(ks, List.of(), rs, 0);
            log.accept(String.format(Locale.ROOT, "contribution analysis of %s on %s: %d train / %d test samples, %d "
                    + "epoch(s); bias depths first (%d measurements)", model.getFileName(), data, src.trainSize(),
                    src.testSize(), warmup + epochs, first.size()));
            ContributionAnalysis.Result r1 = ContributionAnalysis.run(first, fn, cache, parallel, threads, listener);
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
                log.accept(String.format(Locale.ROOT, "reusing the frozen front: %d convs computed once per sample "
                        + "(%,d bytes each)", prefix.skippedConvs(), prefix.cutBytes()));
            }
        }
        log.accept(String.format(Locale.ROOT, "contribution analysis of %s on %s: %d train / %d test samples, %d "
                + "epoch(s), %d measurements (%d bias depths, %d convs x %d ratios over bias-only:%d), %d at a time",
                model.getFileName(), data, src.trainSize(), src.testSize(), warmup + epochs, plan.size(), ks.size(),
                convs.size(), rs.size(), baseK, parallel));
        ContributionAnalysis.Result r = ContributionAnalysis.run(plan, fn, cache, parallel, threads, listener);
        measured += r.measured();
        double wall = (System.nanoTime() - t0) / 1e9;
        recorded.put("wall_seconds", wall);
        recorded.put("measured_this_run", measured);
        AnalysisTable table = AnalysisTable.of(AnalysisTable.stem(model), n, baseK, r.accuracy(), recorded);
        table.write(out);
        return new Outcome(table, measured, plan.size(), wall);
    }

    /** Eight bias depths spread over 1..N+1, N+1 (the whole backbone and the classifier) included. */
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
}
