package kilotrain.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import kilotrain.compiler.memory.Budget;
import kilotrain.search.PlanRun;
import kilotrain.search.SchemePlanner;
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
            + "data=FOLDER, so a cheap analysis (on a held-out split) is verified under the full protocol (keys: " + kilotrain.search.VerifySettings.KEYS_TEXT + ").")
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
        PlanRun.Outcome done = new PlanRun(model, analyses, sram, sramBudget, flash, out, shrink, name, chart,
                imageSize, classes, step.rules.options(true, optimizer.momentum(), 0), lowering.settings(),
                step.head::resolve, maxEvaluations, sweep, verify, !noVerifyPublished, verifySet, verifySeeds,
                step.input::spec, step.input.transform(), threads.count()).run(Progress.training(),
                System.err::println);
        ObjectNode o = done.report();
        if (json.json) {
            System.out.println(Json.write(o));
            return 0;
        }
        SchemePlanner.Plan plan = done.plan();
        System.out.printf(Locale.ROOT, "%s for %s under %,d bytes of SRAM: %s%n", done.name(), model.getFileName(),
                sram, plan.scheme());
        System.out.printf(Locale.ROOT, "  planned SRAM %,d bytes (arena %,d), flash %,d bytes; predicted accuracy "
                + "%.2f %% (classifier-only %.2f %% + %.2f points)%n", plan.cost().sram(), plan.cost().arena(),
                plan.cost().flash(), 100 * plan.predictedAccuracy(), 100 * done.table().baselineAccuracy,
                100 * plan.result().gain());
        int bounds = o.get("bound_checks").asInt();
        System.out.printf(Locale.ROOT, "  search: %s, %d leaves checked by the memory planner, %d nodes, %d schemes "
                + "planned in %.1f s; lower bound held on %d/%d published schemes in the space%n",
                plan.result().proven() ? "optimal for the analysis' gains" : "NOT proven optimal (--max-evaluations hit)",
                plan.result().evaluations(), plan.result().nodes(), o.get("schemes_planned").asInt(),
                o.get("planner_seconds").asDouble(), bounds - o.get("bound_violations").asInt(), bounds);
        if (o.has("warning")) {
            System.out.println("  warning: " + o.get("warning").asText());
        }
        if (verify) {
            System.out.printf(Locale.ROOT, "  verified: %s test accuracy after fine-tuning (predicted %.2f %%)%n",
                    done.found().describe(), 100 * plan.predictedAccuracy());
            if (done.rivalAccuracy() != null) {
                JsonNode r = o.get("published_verified");
                System.out.printf(Locale.ROOT, "  published %s under the same settings: %s (planned SRAM %,d "
                        + "bytes, predicted %.2f %%)%n", done.rival().name, done.rivalAccuracy().describe(),
                        r.get("sram_total_bytes").asLong(), 100 * r.get("predicted_accuracy").asDouble());
            }
            if (o.has("found_minus_published")) {
                JsonNode d = o.get("found_minus_published");
                System.out.printf(Locale.ROOT, "  found - published, paired by seed: %+.2f points (standard error "
                        + "%.2f)%n", 100 * d.get("mean").asDouble(), 100 * d.get("standard_error").asDouble());
            }
        }
        System.out.printf(Locale.ROOT, "scheme written to %s, chart to %s (%.1f s)%n", out, done.chart(),
                o.get("wall_seconds").asDouble());
        return 0;
    }
}
