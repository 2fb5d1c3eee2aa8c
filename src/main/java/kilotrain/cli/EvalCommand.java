package kilotrain.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import kilotrain.model.EvalRun;
import kilotrain.model.Evaluation;
import kilotrain.model.AnomalyEvaluation;
import kilotrain.model.RegressionEvaluation;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Top-1 accuracy, confusion matrix and throughput of a model on a dataset's test part.")
final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Model: .tflite, the paper's .pkl, or a fine-tuned .ktm.")
    Path model;

    @Parameters(index = "1", description = "Dataset folder (its test/ part when it has one).")
    Path dataset;

    @Option(names = "--limit", defaultValue = "0", description = "Evaluate at most N samples (class-balanced).")
    int limit;

    @Option(names = "--limit-per-class", defaultValue = "0", description = "First N samples of each class.")
    int limitPerClass;

    @Mixin
    ThreadsOption threads;

    @Mixin
    JsonOption json;

    @Option(names = "--task", defaultValue = "auto", description = "classify, regress or autoencode (anomaly "
            + "detection: reconstruction error as the score, ROC AUC over the test labels, 0 or 'normal' = normal); "
            + "auto (default): regress for data with targets, autoencode when the model puts out as many values as "
            + "its input, classify otherwise.")
    String task;

    @Mixin
    InputOptions input;

    @Mixin
    SampleOptions samples;

    @Override
    public Integer call() {
        Checks.notNegative("--limit", limit);
        Checks.notNegative("--limit-per-class", limitPerClass);
        threads.check();
        input.check();
        EvalRun.Outcome done = new EvalRun(model, dataset, limit, limitPerClass, task, input, samples::apply,
                threads.count()).run(SampleOptions::print, EvalCommand::meter);
        if (done.regression() != null) {
            return regression(done.regression(), done.skipped());
        }
        if (done.anomaly() != null) {
            return anomaly(done.anomaly(), done.skipped());
        }
        Evaluation ev = done.classification();
        List<String> classes = done.classes();
        if (json.json) {
            ObjectNode o = Json.object();
            o.put("model", model.toString());
            o.put("dataset", dataset.toString());
            o.put("top1", ev.top1());
            o.put("count", ev.count());
            o.put("images_per_second", ev.imagesPerSecond());
            SampleOptions.put(done.skipped(), o);
            o.set("classes", Json.MAPPER.valueToTree(classes));
            ArrayNode cm = o.putArray("confusion");
            for (int[] row : ev.confusion()) {
                cm.add(Json.MAPPER.valueToTree(row));
            }
            System.out.println(Json.write(o));
        } else {
            System.out.printf("top-1 %.2f %% (%d / %d) on %s, %.1f images/s%n", 100 * ev.top1(), ev.correct(),
                    ev.count(), dataset, ev.imagesPerSecond());
            System.out.println("confusion matrix (rows: true class, columns: predicted):");
            int[][] cm = ev.confusion();
            for (int r = 0; r < classes.size(); r++) {
                StringBuilder sb = new StringBuilder(String.format("%12s", clip(classes.get(r))));
                for (int c = 0; c < cm[r].length; c++) {
                    sb.append(String.format(" %5d", cm[r][c]));
                }
                System.out.println(sb);
            }
        }
        return 0;
    }

    /** The progress bar of one pass over the samples (steps from several threads). */
    private static EvalRun.Meter meter(int total, String unit) {
        ProgressBar bar = Progress.bar("eval", total, unit);
        AtomicLong done = new AtomicLong();
        return new EvalRun.Meter() {
            @Override
            public void step() {
                bar.stepTo(done.incrementAndGet());
            }

            @Override
            public void close() {
                bar.close();
            }
        };
    }

    /** An autoencoder on normal and anomalous samples: ROC AUC of the reconstruction errors. */
    private int anomaly(AnomalyEvaluation ev, List<String> skipped) {
        if (json.json) {
            ObjectNode o = Json.object();
            o.put("model", model.toString());
            o.put("dataset", dataset.toString());
            o.put("task", "autoencode");
            o.put("auc", ev.auc());
            o.put("normal_mse", ev.normalMse());
            o.put("anomalous_mse", ev.anomalousMse());
            o.put("normal", ev.normals());
            o.put("anomalous", ev.anomalies());
            o.put("count", ev.count());
            o.put("samples_per_second", ev.samplesPerSecond());
            SampleOptions.put(skipped, o);
            System.out.println(Json.write(o));
        } else {
            System.out.printf(java.util.Locale.ROOT, "anomaly detection on %s (score: reconstruction error): ROC AUC "
                    + "%.4f; mean score %.6g over %d normal, %.6g over %d anomalous samples; %.1f samples/s%n", dataset,
                    ev.auc(), ev.normalMse(), ev.normals(), ev.anomalousMse(), ev.anomalies(), ev.samplesPerSecond());
        }
        return 0;
    }

    /** A dataset of regression targets: mean squared and absolute errors of the dequantized outputs. */
    private int regression(RegressionEvaluation ev, List<String> skipped) {
        if (json.json) {
            ObjectNode o = Json.object();
            o.put("model", model.toString());
            o.put("dataset", dataset.toString());
            o.put("task", "regression");
            o.put("count", ev.count());
            o.put("mse", ev.meanMse());
            o.put("mae", ev.meanMae());
            o.put("samples_per_second", ev.samplesPerSecond());
            ObjectNode per = o.putObject("targets");
            for (int j = 0; j < ev.targets().size(); j++) {
                ObjectNode e = per.putObject(ev.targets().get(j));
                e.put("mse", ev.mse()[j]);
                e.put("mae", ev.mae()[j]);
            }
            SampleOptions.put(skipped, o);
            System.out.println(Json.write(o));
        } else {
            System.out.printf(java.util.Locale.ROOT, "regression on %s: mean squared error %.6g, mean absolute error "
                    + "%.6g over %d samples and %d target(s), %.1f samples/s%n", dataset, ev.meanMse(), ev.meanMae(),
                    ev.count(), ev.targets().size(), ev.samplesPerSecond());
            if (ev.targets().size() > 1 && ev.targets().size() <= 20) {
                for (int j = 0; j < ev.targets().size(); j++) {
                    System.out.printf(java.util.Locale.ROOT, "%12s  mse %.6g  mae %.6g%n", clip(ev.targets().get(j)),
                            ev.mse()[j], ev.mae()[j]);
                }
            }
        }
        return 0;
    }

    private static String clip(String s) {
        return s.length() <= 12 ? s : s.substring(0, 12);
    }
}
