package kilotrain.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import kilotrain.KtException;
import kilotrain.compiler.PublishedSchemes;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainSpec;
import kilotrain.compiler.memory.DevicePipeline;
import kilotrain.data.InputSpec;
import kilotrain.data.TestTransform;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.ir.Tensor;
import kilotrain.program.TrainState;
import kilotrain.report.Charts;
import kilotrain.train.Trainer;

/**
 * {@code plan} as one call: read the analyses (their mean gains when several), shrink the gains, search the scheme
 * with the largest predicted accuracy whose planned SRAM (and flash) fits ({@link SchemePlanner}), write it as a
 * scheme file, draw the accuracy-against-memory chart with the frontier and the published schemes
 * ({@link PlanSearch#curves}), and with {@code verify} fine-tune the found scheme and the largest published one that
 * fits ({@link PlanVerification}), redrawing the chart with the verified points. Option mistakes (the verification's
 * settings and seeds) fail before the search.
 *
 * @param model          the analysed model file
 * @param analyses       the analyses' folders (the first one's settings are verified with)
 * @param sram           the SRAM budget in bytes
 * @param sramText       the budget as given (the default scheme name's suffix)
 * @param flash          the flash budget in bytes, or -1
 * @param out            the scheme file
 * @param shrink         standard errors every gain moves toward zero
 * @param name           the scheme's name (null: model stem and budget)
 * @param chart          the chart's PNG (null: beside {@code out})
 * @param imageSize      the model's input size (0: the model's own)
 * @param classes        the head's classes (null: the analysis' dataset's)
 * @param options        update rules and optimizer of the planned step
 * @param lowering       the lowering switches of the planned step
 * @param head           the head kind for the loaded model
 * @param maxEvaluations cap on memory-planner calls of the search
 * @param sweep          budgets planned for the chart's frontier
 * @param verify         fine-tune the found scheme
 * @param verifyPublished with {@code verify}: also the largest published scheme that fits
 * @param verifySet      with {@code verify}: settings replaced ({@link VerifySettings})
 * @param verifySeeds    with {@code verify}: seeds and ranges (null or empty: the recorded seed)
 * @param input          the input convention of the verification's fine-tunes
 * @param transform      their test-time transform
 * @param threads        their threads
 */
public record PlanRun(Path model, List<Path> analyses, long sram, String sramText, long flash, Path out,
        double shrink, String name, Path chart, int imageSize, Integer classes, TrainState.Options options,
        DevicePipeline.Settings lowering, Function<Graph, TrainSpec.Head> head, int maxEvaluations, int sweep,
        boolean verify, boolean verifyPublished, Map<String, String> verifySet, List<String> verifySeeds,
        Function<Tensor, InputSpec> input, TestTransform transform, int threads) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What was planned: the report ({@code plan --json}'s object: scheme, costs, search, frontier, published schemes,
     * verification, wall time), the scheme's name, the plan, the (mean, shrunk) analysis, the chart written, and with
     * the verification the found scheme's accuracies, the published rival (null: none) and its accuracies.
     */
    public record Outcome(ObjectNode report, String name, SchemePlanner.Plan plan, AnalysisTable table, Path chart,
            SeedAccuracies found, Scheme rival, SeedAccuracies rivalAccuracy) {
    }

    /** Plans; {@code log} receives the progress lines, {@code progress} the verification's epochs. */
    public Outcome run(Trainer.Progress progress, Consumer<String> log) {
        long t0 = System.nanoTime();
        Path analysis = analyses.get(0);
        List<AnalysisTable> read = new ArrayList<>();
        for (Path a : analyses) {
            read.add(AnalysisTable.read(a));
        }
        AnalysisTable table = read.size() == 1 ? read.get(0) : AnalysisTable.mean(read, analyses);
        // option mistakes fail before the search, not after it
        if (!verifySet.isEmpty() && !verify) {
            throw new KtException("--verify-set only changes the fine-tunes of --verify; add --verify");
        }
        JsonNode verifySettings = VerifySettings.apply(table.settings, verifySet, analysis);
        long[] seeds = seeds(verifySettings);
        if (verify && !verifySettings.hasNonNull("data")) {
            throw new KtException(analysis + ": the analysis records no settings to verify with (made by an older "
                    + "analyze, or by hand); rerun analyze, or plan without --verify");
        }
        if (!(shrink >= 0) || Double.isInfinite(shrink)) {
            throw new KtException("--shrink " + shrink + ": expected a non-negative number of standard errors");
        }
        table = table.shrunk(shrink);
        Graph graph = ModelLoader.load(model, imageSize);
        int nClasses = classes != null ? classes : table.settings.path("classes").asInt(10);
        PlannedMemory memory = new PlannedMemory(graph, nClasses, options, lowering, head.apply(graph));
        SchemePlanner planner = new SchemePlanner(table, memory, flash, maxEvaluations);
        long[] lastReport = {System.nanoTime()};
        planner.onEvaluation(n -> {
            long now = System.nanoTime();
            if (now - lastReport[0] > 10_000_000_000L) {
                lastReport[0] = now;
                log.accept(String.format(Locale.ROOT, "plan: %,d candidate schemes checked by the memory planner (%d "
                        + "planned, %.0f s)", n, memory.evaluations(), (now - t0) / 1e9));
            }
        });
        String stem = AnalysisTable.stem(model);
        String schemeName = name != null ? name : stem + "-" + sramText.trim().toLowerCase(Locale.ROOT);
        SchemePlanner.Plan plan = planner.plan(schemeName, sram);
        planner.confirm(plan, sram);
        log.accept(String.format(Locale.ROOT, "plan: %s, predicted %.2f %%, planned SRAM %,d bytes (%s, %.0f s); "
                + "chart frontier next (%d budgets)", plan.scheme(), 100 * plan.predictedAccuracy(), plan.cost().sram(),
                plan.result().proven() ? "optimal" : "not proven optimal", (System.nanoTime() - t0) / 1e9, sweep));
        plan.scheme().write(out);
        List<Scheme> published = PublishedSchemes.forModel(stem);
        long[][] bounds = planner.boundCheck(published);
        int boundViolations = PlanSearch.boundViolations(bounds);
        Path png = chart != null ? chart : siblingPng(out);
        List<SchemePlanner.Plan> frontier = new ArrayList<>();
        List<Charts.Series> series = new ArrayList<>();
        for (PlanSearch.Curve c : PlanSearch.curves(planner, memory, plan, published, sram, sweep, maxEvaluations,
                frontier)) {
            series.add(points(c.name(), c.sram(), c.accuracy(), c.markersOnly()));
        }
        // drawn now so an interrupted verification still leaves the chart; redrawn with the verified points after it
        drawChart(png, series, false);
        ObjectNode o = JSON.createObjectNode();
        o.put("model", model.toString());
        o.put("analysis", analysis.toString());
        if (analyses.size() > 1) {
            o.put("analyses_averaged", analyses.size());
        }
        if (shrink > 0) {
            o.put("gains_shrunk_by", table.settings.path("gains_shrunk_by").asDouble());
        }
        o.put("sram_budget_bytes", sram);
        if (flash >= 0) {
            o.put("flash_budget_bytes", flash);
        }
        o.set("scheme", plan.scheme().toJson());
        o.put("scheme_file", out.toString());
        o.put("predicted_accuracy", plan.predictedAccuracy());
        o.put("predicted_gain_over_classifier_only", plan.result().gain());
        o.put("sram_total_bytes", plan.cost().sram());
        o.put("arena_bytes", plan.cost().arena());
        o.put("flash_bytes", plan.cost().flash());
        o.put("proven_optimal", plan.result().proven() && boundViolations == 0);
        o.put("leaf_evaluations", plan.result().evaluations());
        o.put("search_nodes", plan.result().nodes());
        o.put("schemes_planned", memory.evaluations());
        o.put("planner_seconds", memory.seconds());
        o.put("bound_checks", bounds.length);
        o.put("bound_violations", boundViolations);
        ArrayNode fr = o.putArray("frontier");
        for (SchemePlanner.Plan p : frontier) {
            ObjectNode f = fr.addObject();
            f.put("sram_total_bytes", p.cost().sram());
            f.put("predicted_accuracy", p.predictedAccuracy());
            f.set("scheme", p.scheme().toJson());
        }
        ArrayNode pub = o.putArray("published");
        for (Scheme s : published) {
            ObjectNode f = pub.addObject();
            int[] un = {0};
            f.put("name", s.name);
            f.put("sram_total_bytes", memory.of(s).sram());
            f.put("predicted_accuracy", planner.predict(s, un));
            f.put("unmeasured_parts", un[0]);
        }
        if (plan.predictedAccuracy() > 1) {
            o.put("warning", "the predicted accuracy exceeds 100 %: on this analysis the gains do not add up (noisy "
                    + "or measured over a weak bias baseline); analyse with more samples or epochs, or --weight-base-k");
        }
        Scheme rival = null;
        SeedAccuracies found = null, publishedAcc = null;
        if (verify) {
            // a copy of the analysis' settings (VerifySettings.apply), completed here with what was verified
            ObjectNode vs = (ObjectNode) verifySettings;
            o.set("verify_settings", vs);
            if (seeds.length > 1) {
                vs.remove("seed");
                ArrayNode a = vs.putArray("seeds");
                for (long sd : seeds) {
                    a.add(sd);
                }
            }
            rival = verifyPublished ? PlanSearch.largestFitting(published, memory, sram) : null;
            long rivalSram = rival == null ? -1 : memory.of(rival).sram();
            PlanVerification.Result verified = new PlanVerification(vs, model, nClasses, input, transform, threads)
                    .run(seeds, plan.scheme(), rival, progress, log);
            found = verified.found();
            found.putInto(o);
            if (rival != null) {
                ObjectNode r = o.putObject("published_verified");
                r.put("name", rival.name);
                r.put("sram_total_bytes", rivalSram);
                r.put("predicted_accuracy", planner.predict(rival, new int[1]));
                publishedAcc = verified.rival();
                publishedAcc.putInto(r);
                if (seeds.length > 1) {
                    o.set("found_minus_published", found.comparedWith(publishedAcc));
                }
            }
            series.add(verifiedPoint("found", plan.cost().sram(), found));
            if (publishedAcc != null) {
                series.add(verifiedPoint(rival.name, rivalSram, publishedAcc));
            }
            drawChart(png, series, true);
        }
        o.put("wall_seconds", (System.nanoTime() - t0) / 1e9);
        return new Outcome(o, schemeName, plan, table, png, found, rival, publishedAcc);
    }

    /** Draws the series with a vertical line at the budget spanning their accuracies. */
    private void drawChart(Path png, List<Charts.Series> series, boolean verified) {
        List<Charts.Series> all = new ArrayList<>(series);
        double yMin = Double.MAX_VALUE, yMax = -Double.MAX_VALUE;
        for (Charts.Series s : series) {
            for (double v : s.y()) {
                yMin = Math.min(yMin, v);
                yMax = Math.max(yMax, v);
            }
        }
        all.add(new Charts.Series("SRAM budget", new double[] {sram / 1024.0, sram / 1024.0},
                new double[] {yMin, yMax}, false));
        Charts.line(png, (verified ? "Accuracy" : "Predicted accuracy") + " (%) against planned SRAM (KiB): "
                + model.getFileName(), "planned SRAM (KiB)",
                verified ? "test accuracy (%), predicted or verified" : "predicted test accuracy (%)", all);
    }

    /** A verified scheme's point: its mean accuracy over the seeds (the spread is in the JSON and the text). */
    private static Charts.Series verifiedPoint(String what, long sram, SeedAccuracies acc) {
        String label = acc.seeds().length > 1 ? "verified " + what + " (" + acc.seeds().length + " seeds)"
                : "verified " + what;
        return points(label, List.of(sram), List.of(acc.mean()), true);
    }

    /** The seeds to verify with: {@code verifySeeds}, or the one the settings record. */
    private long[] seeds(JsonNode settings) {
        if (verifySeeds == null || verifySeeds.isEmpty()) {
            return new long[] {settings.path("seed").asLong()};
        }
        if (!verify) {
            throw new KtException("--verify-seeds only changes the fine-tunes of --verify; add --verify");
        }
        if (verifySet.keySet().stream().anyMatch(k -> k.trim().equals("seed"))) {
            throw new KtException("--verify-seeds and --verify-set seed=... exclude each other");
        }
        long[] seeds = seedList(verifySeeds);
        for (int i = 0; i < seeds.length; i++) {
            for (int j = 0; j < i; j++) {
                if (seeds[i] == seeds[j]) {
                    throw new KtException("--verify-seeds: seed " + seeds[i] + " is listed twice");
                }
            }
        }
        return seeds;
    }

    /** Expands "0-9" and "0,2,5-7" into seeds; a seed is a non-negative integer, a range ascends. */
    public static long[] seedList(List<String> items) {
        List<Long> seeds = new ArrayList<>();
        for (String raw : items) {
            String item = raw.trim();
            int dash = item.indexOf('-', 1);
            long from = seed(dash < 0 ? item : item.substring(0, dash), item);
            long to = dash < 0 ? from : seed(item.substring(dash + 1), item);
            if (to < from) {
                throw new KtException("--verify-seeds: range " + item + " runs backwards; write " + to + "-" + from);
            }
            if (to - from >= 10_000) {
                throw new KtException("--verify-seeds: range " + item + " lists more than 10,000 seeds");
            }
            for (long s = from; s <= to; s++) {
                seeds.add(s);
            }
        }
        return seeds.stream().mapToLong(Long::longValue).toArray();
    }

    private static long seed(String text, String item) {
        long s;
        try {
            s = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new KtException("--verify-seeds: '" + item + "' is not a seed or a range of seeds (e.g. 3 or 0-9)");
        }
        if (s < 0) {
            throw new KtException("--verify-seeds: seed " + s + " is negative");
        }
        return s;
    }

    private static Charts.Series points(String name, List<Long> bytes, List<Double> acc, boolean markersOnly) {
        double[] x = new double[bytes.size()], y = new double[acc.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = bytes.get(i) / 1024.0;
            y[i] = 100 * acc.get(i);
        }
        return new Charts.Series(name, x, y, markersOnly);
    }

    private static Path siblingPng(Path file) {
        String f = file.getFileName().toString();
        int dot = f.lastIndexOf('.');
        return file.resolveSibling((dot > 0 ? f.substring(0, dot) : f) + ".png");
    }
}
