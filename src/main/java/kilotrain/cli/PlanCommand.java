package kilotrain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import kilotrain.KtException;
import kilotrain.compiler.memory.Budget;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.report.Charts;
import kilotrain.search.AnalysisTable;
import kilotrain.search.PlanSearch;
import kilotrain.search.PlanVerification;
import kilotrain.search.PlannedMemory;
import kilotrain.search.SchemePlanner;
import kilotrain.search.SeedAccuracies;
import kilotrain.compiler.PublishedSchemes;
import kilotrain.compiler.Scheme;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Choose the sparse-update scheme (bias depth, weight layers, channel ratios) with the largest "
                + "summed gain of a contribution analysis whose planned SRAM (and flash) fits the budget; write it as "
                + "a scheme file for train and compile, and an accuracy-against-memory chart.")
final class PlanCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "The analysed model (.tflite or .pkl).")
    Path model;

    @Option(names = "--analysis", required = true, description = "Output folder of 'kilotrain analyze'. Repeat it "
            + "with analyses of the same measurements under other seeds to plan on their mean gains (less noise); "
            + "--verify uses the first one's settings.")
    List<Path> analyses;

    @Option(names = "--sram-budget", required = true, paramLabel = "SIZE", description = "e.g. 256K (planned SRAM: arena + trained parameters + optimizer state + float copies).")
    String sramBudget;

    @Option(names = "--flash-budget", paramLabel = "SIZE", description = "e.g. 1M.")
    String flashBudget;

    @Option(names = "--out", required = true, description = "Scheme file to write (JSON, read by train/compile --scheme).")
    Path out;

    @Option(names = "--shrink", paramLabel = "SIGMAS", description = "Move every gain this many standard errors of "
            + "the analysis' test accuracy toward zero before optimising (gains smaller than that count as none), so "
            + "the plan does not collect cells whose noise happened to be positive (default 0: the gains as measured).")
    double shrink;

    @Option(names = "--name", description = "Scheme name (default: <model>-<budget>).")
    String name;

    @Option(names = "--chart", description = "Accuracy-against-memory PNG (default: next to --out, .png).")
    Path chart;

    @Mixin
    ImageSizeOption image;

    @Option(names = "--classes", description = "Classes of the head (default: the analysis' dataset).")
    Integer classes;

    @Mixin
    OptimizerOption optimizer;

    @Mixin
    LoweringOptions lowering;

    @Option(names = "--max-evaluations", defaultValue = "3000",
            description = "Cap on memory-planner calls for leaves of the search (default ${DEFAULT-VALUE}); when hit, the result is reported as not proven optimal.")
    int maxEvaluations;

    @Option(names = "--sweep", defaultValue = "12", description = "Budgets planned for the chart's frontier (default ${DEFAULT-VALUE}; 0: none).")
    int sweep;

    @Option(names = "--verify", description = "Fine-tune the chosen scheme under the analysis' settings and report its real "
            + "accuracy; also the largest published scheme of the model that fits the budget, for comparison.")
    boolean verify;

    @Option(names = "--no-verify-published", negatable = false,
            description = "With --verify: do not fine-tune the published scheme for comparison.")
    boolean noVerifyPublished;

    @Option(names = "--verify-set", paramLabel = "KEY=VALUE", description = "With --verify: fine-tune with one of the "
            + "analysis' recorded settings replaced, e.g. epochs=10 warmup_epochs=1 train_limit_per_class=500 lr=0.05 "
            + "data=FOLDER, so a cheap analysis (on a held-out split) is verified under the full protocol (keys: " + VerifySettings.KEYS_TEXT + ").")
    Map<String, String> verifySet = new LinkedHashMap<>();

    @Option(names = "--verify-seeds", split = ",", paramLabel = "SEEDS", description = "With --verify: fine-tune each "
            + "scheme once per seed (replacing the recorded seed) and report the mean, the spread and the paired "
            + "per-seed difference against the published scheme; seeds and ranges, e.g. 0-9 or 0,2,5-7. One seed's "
            + "accuracy on a few thousand test images carries about a point of noise.")
    List<String> verifySeeds;

    @Mixin
    ThreadsOption threads;

    @Mixin
    JsonOption json;

    @Mixin
    StepOptions step;

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        step.rules.validate();
        optimizer.momentum();
        int imageSize = image.value();
        Checks.atLeast("--max-evaluations", maxEvaluations, 1);
        Checks.notNegative("--sweep", sweep);
        threads.check();
        if (classes != null) {
            Checks.classes("--classes", classes);
        }
        Checks.outFile("--out", out);
        Checks.outFile("--chart", chart);
        long sram = Budget.parse(sramBudget, "--sram-budget");
        long flash = flashBudget == null ? -1 : Budget.parse(flashBudget, "--flash-budget");
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
        long[] seeds = verifySeeds(verifySettings);
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
        PlannedMemory memory = new PlannedMemory(graph, nClasses, step.rules.options(true, optimizer.momentum(), 0),
                lowering.settings(), step.head.resolve(graph));
        SchemePlanner planner = new SchemePlanner(table, memory, flash, maxEvaluations);
        long[] lastReport = {System.nanoTime()};
        planner.onEvaluation(n -> {
            long now = System.nanoTime();
            if (now - lastReport[0] > 10_000_000_000L) {
                lastReport[0] = now;
                System.err.printf(Locale.ROOT, "plan: %,d candidate schemes checked by the memory planner (%d "
                        + "planned, %.0f s)%n", n, memory.evaluations(), (now - t0) / 1e9);
            }
        });
        String stem = AnalyzeCommand.stem(model);
        String schemeName = name != null ? name : stem + "-" + sramBudget.trim().toLowerCase(Locale.ROOT);
        SchemePlanner.Plan plan = planner.plan(schemeName, sram);
        planner.confirm(plan, sram);
        System.err.printf(Locale.ROOT, "plan: %s, predicted %.2f %%, planned SRAM %,d bytes (%s, %.0f s); chart "
                + "frontier next (%d budgets)%n", plan.scheme(), 100 * plan.predictedAccuracy(), plan.cost().sram(),
                plan.result().proven() ? "optimal" : "not proven optimal", (System.nanoTime() - t0) / 1e9, sweep);
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
        drawChart(png, series, sram, false);
        ObjectNode o = Json.object();
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
            rival = noVerifyPublished ? null : PlanSearch.largestFitting(published, memory, sram);
            long rivalSram = rival == null ? -1 : memory.of(rival).sram();
            PlanVerification.Result verified = new PlanVerification(vs, model, nClasses, step.input::spec,
                    step.input.transform(), threads()).run(seeds, plan.scheme(), rival, Progress.training(),
                    System.err::println);
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
            drawChart(png, series, sram, true);
        }
        o.put("wall_seconds", (System.nanoTime() - t0) / 1e9);
        if (json.json) {
            System.out.println(Json.write(o));
            return 0;
        }
        System.out.printf(Locale.ROOT, "%s for %s under %,d bytes of SRAM: %s%n", schemeName, model.getFileName(),
                sram, plan.scheme());
        System.out.printf(Locale.ROOT, "  planned SRAM %,d bytes (arena %,d), flash %,d bytes; predicted accuracy "
                + "%.2f %% (classifier-only %.2f %% + %.2f points)%n", plan.cost().sram(), plan.cost().arena(),
                plan.cost().flash(), 100 * plan.predictedAccuracy(), 100 * table.baselineAccuracy,
                100 * plan.result().gain());
        System.out.printf(Locale.ROOT, "  search: %s, %d leaves checked by the memory planner, %d nodes, %d schemes "
                + "planned in %.1f s; lower bound held on %d/%d published schemes in the space%n",
                plan.result().proven() ? "optimal for the analysis' gains" : "NOT proven optimal (--max-evaluations hit)",
                plan.result().evaluations(), plan.result().nodes(), memory.evaluations(), memory.seconds(),
                bounds.length - boundViolations, bounds.length);
        if (o.has("warning")) {
            System.out.println("  warning: " + o.get("warning").asText());
        }
        if (verify) {
            System.out.printf(Locale.ROOT, "  verified: %s test accuracy after fine-tuning (predicted %.2f %%)%n",
                    found.describe(), 100 * plan.predictedAccuracy());
            if (publishedAcc != null) {
                JsonNode r = o.get("published_verified");
                System.out.printf(Locale.ROOT, "  published %s under the same settings: %s (planned SRAM %,d "
                        + "bytes, predicted %.2f %%)%n", rival.name, publishedAcc.describe(),
                        r.get("sram_total_bytes").asLong(), 100 * r.get("predicted_accuracy").asDouble());
            }
            if (o.has("found_minus_published")) {
                JsonNode d = o.get("found_minus_published");
                System.out.printf(Locale.ROOT, "  found - published, paired by seed: %+.2f points (standard error "
                        + "%.2f)%n", 100 * d.get("mean").asDouble(), 100 * d.get("standard_error").asDouble());
            }
        }
        System.out.printf(Locale.ROOT, "scheme written to %s, chart to %s (%.1f s)%n", out, png,
                o.get("wall_seconds").asDouble());
        return 0;
    }

    /** Draws the series with a vertical line at the budget spanning their accuracies. */
    private void drawChart(Path png, List<Charts.Series> series, long budget, boolean verified) {
        List<Charts.Series> all = new ArrayList<>(series);
        double yMin = Double.MAX_VALUE, yMax = -Double.MAX_VALUE;
        for (Charts.Series s : series) {
            for (double v : s.y()) {
                yMin = Math.min(yMin, v);
                yMax = Math.max(yMax, v);
            }
        }
        all.add(new Charts.Series("SRAM budget", new double[] {budget / 1024.0, budget / 1024.0},
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

    /** The seeds to verify with: --verify-seeds, or the one the settings record. Mistakes fail before the search. */
    private long[] verifySeeds(JsonNode settings) {
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
    static long[] seedList(List<String> items) {
        java.util.ArrayList<Long> seeds = new java.util.ArrayList<>();
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

    private int threads() {
        return threads.count();
    }
}
