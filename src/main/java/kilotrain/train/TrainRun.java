package kilotrain.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import kilotrain.KtException;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.data.Dataset;
import kilotrain.data.DatasetSplit;
import kilotrain.data.InputSpec;
import kilotrain.data.SampleSource;
import kilotrain.data.TrainAugment;
import kilotrain.device.DeviceSteps;
import kilotrain.exec.TrainExecutor;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.model.Models;
import kilotrain.model.TfliteExport;
import kilotrain.model.TrainedInput;
import kilotrain.model.TrainedModel;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import kilotrain.report.Charts;
import kilotrain.util.AtomicFiles;

/**
 * {@code train} as one call: open the model (a base model, or a {@code model.ktm} whose training goes on with its own
 * scheme, task, classes and head), the dataset, choose the task, compile the step, fine-tune, and after every epoch
 * save {@code model.ktm} (and {@code model.tflite} for a TFLite model with an int8 head), {@code metrics.csv/json} and
 * {@code learning_curve.png}; then {@code scheme.json}, {@code program.txt}, and with {@code deviceSteps} the step
 * continued on the board ({@link DeviceSteps#report}: {@code device.json}, the C project in {@code out/device}).
 * A run whose loss explodes still writes its metrics, with the error, then fails ({@link Trainer.Diverged}).
 *
 * @param model        the model file
 * @param data         the dataset
 * @param scheme       the scheme's name or file (null: classifier-only, or a {@code .ktm}'s own)
 * @param task         auto or a task's name ({@link TaskChoice#resolve})
 * @param imageSize    the model's input size (0: the model's own)
 * @param seed         seed of the head, the shuffles and the augmentations
 * @param options      update rules and optimizer
 * @param epochs       epochs after warm-up
 * @param warmup       warm-up epochs
 * @param lr           base learning rate
 * @param batch        samples per update
 * @param schedule     the learning-rate schedule
 * @param threads      threads
 * @param dropLast     skip each epoch's last partial batch
 * @param head         the head kind for the loaded model
 * @param headText     the head as the user named it ({@code --head}: auto, float or int8), which a {@code .ktm}'s
 *                     head must match
 * @param input        the input convention (a {@code .ktm}'s recorded one unless the user names another)
 * @param open         opens the dataset's train and test parts for the model (limits, sample options)
 * @param augment      the training augmentation
 * @param settings     the run's settings as {@code metrics.json} records them
 * @param out          the output folder
 * @param deviceSteps  steps continued on the board (0: none)
 */
public record TrainRun(Path model, Path data, String scheme, String task, int imageSize, long seed,
        TrainState.Options options, int epochs, int warmup, double lr, int batch, LrSchedule.Kind schedule,
        int threads, boolean dropLast, Function<Graph, TrainSpec.Head> head, String headText,
        Models.InputConvention input, BiFunction<Path, Graph, DatasetSplit> open, TrainAugment augment,
        ObjectNode settings, Path out, int deviceSteps) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * What was trained: the summary ({@code metrics.json}, with {@code device} when the board ran), the task, the
     * epochs' metrics, the regression's test errors before training (null otherwise), the test and train sample
     * counts, the model files written ({@code tflite} null when none) and whether the model came from TFLite.
     */
    public record Outcome(ObjectNode summary, TrainSpec.Task task, List<Trainer.EpochMetrics> history,
            Trainer.Errors initial, int testSize, Path ktm, Path tflite, boolean fromTflite) {
    }

    /**
     * Trains; {@code log} receives the run's lines (what trains on what, the device's report), {@code skippedLog}
     * the unreadable samples left out, {@code progress} the epochs.
     */
    public Outcome run(Trainer.Progress progress, Consumer<String> log, Consumer<List<String>> skippedLog) {
        TrainedModel start = Files.isRegularFile(model) && TrainedModel.looksLike(model) ? TrainedModel.load(model)
                : null;
        Graph graph = start != null ? start.graph : ModelLoader.load(model, imageSize);
        Scheme s = start != null ? sameScheme(start) : Scheme.resolve(scheme == null ? "classifier-only" : scheme,
                TrainCompiler.backboneConvs(graph).size());
        DatasetSplit split = open.apply(data, graph);
        if (split.train() == null) {
            throw new KtException(data + " has no training part (train/, train.csv, x_train.npy ...)");
        }
        TrainSpec.Task taskKind = TaskChoice.resolve(task, graph, split.train(), data.toString());
        boolean regress = taskKind.mse();
        List<String> classes = TaskChoice.classes(taskKind, split.train());
        if (start != null && TrainSpec.Task.of(start.program) != taskKind
                && !(taskKind == TrainSpec.Task.CLASSIFY && start.program.keepsClassifier())) {
            throw new KtException(model + " was fine-tuned for --task " + TrainSpec.Task.of(start.program).cli()
                    + "; its training goes on with that task only");
        }
        if (start != null && !classes.equals(start.classes)) {
            throw new KtException(model + " was fine-tuned for classes " + start.classes + "; " + data + " has "
                    + classes + ": train its base model " + start.baseName + " on them instead");
        }
        InputSpec inputSpec = start != null ? Models.input(start, model, input) : input.spec(graph.input);
        SampleSource src = new SampleSource(split, inputSpec, augment, input.transform(), seed);
        TrainedInput trainedInput = new TrainedInput(inputSpec, input.resizeShorter());
        Program program = start != null ? sameHead(start)
                : TrainCompiler.compile(graph, TrainSpec.of(taskKind, s, TaskChoice.specClasses(taskKind, graph,
                        classes, split.train()), seed, head.apply(graph)));
        TrainState state = new TrainState(program, options);
        if (start != null) {
            // the run goes on from the trained values; optimizer state (momentum) starts afresh, as it is not saved
            for (kilotrain.ops.core.Param p : program.params) {
                state.setValue(p, start.state.value(p));
            }
        }
        int savedImageSize = start != null ? start.imageSize : imageSize;
        long headSeed = start != null ? start.seed : seed;
        TrainExecutor exec = new TrainExecutor(program, state);
        Trainer trainer = new Trainer(exec, src, new Trainer.Options(epochs, warmup, lr, batch, schedule, threads,
                regress ? Double.POSITIVE_INFINITY : Trainer.explodingLoss(classes.size())).withDropLast(dropLast));
        Metrics metrics = new Metrics(taskKind, split.train());
        if (regress && src.testSize() > 0) {
            metrics.initial = trainer.errors();
        }
        if (taskKind == TrainSpec.Task.CLASSIFY_KEEP_HEAD && src.testSize() > 0) {
            // the model's own head before any step: its test accuracy is the model's
            metrics.initialAccuracy = trainer.evaluate();
        }
        Path outDir = out.toAbsolutePath();
        AtomicFiles.checkNotInput(outDir.resolve("model.ktm"), model);
        // TFLite in, TFLite out: the int8 head (or a kept int8 classifier) makes a pure int8 model
        boolean writeTflite = graph.source == Graph.Source.TFLITE && (program.int8Head() || program.keepsClassifier())
                && (!regress || graph.ops.get(TrainCompiler.classifierIndex(graph))
                        instanceof kilotrain.ir.FullyConnected);
        AtomicFiles.checkNotInput(outDir.resolve("model.tflite"), model);
        String baseName = start != null ? start.baseName : model.getFileName().toString();
        byte[] baseBytes;
        try {
            baseBytes = start != null ? start.baseBytes : Files.readAllBytes(model);
        } catch (java.io.IOException e) {
            throw new KtException("cannot read " + model + ": " + e.getMessage());
        }
        log.accept(String.format("training %s on %s: %d train / %d test samples, %s, scheme %s", model, data,
                src.trainSize(), src.testSize(), taskKind == TrainSpec.Task.AUTOENCODE ? "autoencoder of "
                        + graph.input.elements() + " values" : regress ? "regression of " + classes
                        : taskKind == TrainSpec.Task.BINARY ? "binary " + classes : classes.size() + " classes"
                        + (taskKind == TrainSpec.Task.CLASSIFY_KEEP_HEAD ? " (the model's own head)" : ""), s));
        List<String> skipped = new ArrayList<>();
        for (Dataset d : new Dataset[] {split.train(), split.test()}) {
            if (d != null) {
                skipped.addAll(d.skipped());
            }
        }
        metrics.skipped = skipped;
        skippedLog.accept(skipped);
        List<Trainer.EpochMetrics> history = new ArrayList<>();
        try {
            trainer.run(progress, m -> {
                history.add(m);
                new TrainedModel(baseName, baseBytes, savedImageSize, graph, s, classes, headSeed, program, state,
                        trainedInput).save(outDir.resolve("model.ktm"));
                if (writeTflite) {
                    byte[] tflite = TfliteExport.write(baseBytes, graph, program, state);
                    AtomicFiles.write(outDir.resolve("model.tflite"), os -> os.write(tflite));
                }
                metrics.write(outDir, history, null);
            });
        } catch (Trainer.Diverged d) {
            metrics.write(outDir, history, d.getMessage());
            throw d;
        }
        ObjectNode summary = metrics.write(outDir, history, null);
        s.write(outDir.resolve("scheme.json"));
        AtomicFiles.writeString(outDir.resolve("program.txt"), program.listing());
        if (deviceSteps > 0) {
            summary.set("device", DeviceSteps.report(program, state, src, deviceSteps, (float) lr,
                    outDir.resolve("device"), outDir.resolve("device.json"), outDir.resolve("model.ktm"), log));
        }
        return new Outcome(summary, taskKind, history, metrics.initial, src.testSize(), outDir.resolve("model.ktm"),
                writeTflite ? outDir.resolve("model.tflite") : null, graph.source == Graph.Source.TFLITE);
    }

    /** A .ktm's training goes on with its own scheme: another one would train parameters it never held. */
    private Scheme sameScheme(TrainedModel start) {
        if (imageSize != 0 && imageSize != start.graph.input.shape[1]) {
            throw new KtException(model + " was fine-tuned at image size " + start.graph.input.shape[1]
                    + "; --image-size " + imageSize + " would change it");
        }
        if (scheme != null) {
            Scheme asked = Scheme.resolve(scheme, TrainCompiler.backboneConvs(start.graph).size());
            if (!asked.sameUpdates(start.scheme)) {
                throw new KtException(model + " was fine-tuned with scheme " + start.scheme + "; its training goes on "
                        + "with that scheme only (give --scheme " + start.scheme.name + " or none), or train its base "
                        + "model " + start.baseName + " with " + asked.name);
            }
        }
        return start.scheme;
    }

    private Program sameHead(TrainedModel start) {
        TrainSpec.Head asked = TrainSpec.Head.asked(headText);
        if (asked != null && (asked == TrainSpec.Head.INT8) != start.program.int8Head()) {
            throw new KtException(model + " has a " + (start.program.int8Head() ? "int8" : "float") + " head; --head "
                    + headText + " would replace it (train its base model " + start.baseName + " for that)");
        }
        return start.program;
    }

    /** metrics.csv, metrics.json and learning_curve.png, rewritten after every epoch. */
    private final class Metrics {
        final TrainSpec.Task taskKind;
        final Dataset train;
        /** Samples left out by --skip-bad-samples (train and test parts), recorded in metrics.json. */
        List<String> skipped = List.of();
        /** The regression's test MSE and MAE before training (null: classification, or no test part). */
        Trainer.Errors initial;
        /** classify-keep-head: the test accuracy before training (NaN otherwise). */
        double initialAccuracy = Double.NaN;

        Metrics(TrainSpec.Task taskKind, Dataset train) {
            this.taskKind = taskKind;
            this.train = train;
        }

        ObjectNode write(Path dir, List<Trainer.EpochMetrics> history, String error) {
            if (taskKind.mse()) {
                return writeRegression(dir, history, error);
            }
            StringBuilder csv = new StringBuilder("epoch,warmup,lr,train_loss,train_accuracy,test_accuracy,seconds,"
                    + "images_per_second\n");
            ObjectNode o = JSON.createObjectNode();
            o.put("task", taskKind.cli());
            ArrayNode epochsJson = o.putArray("epochs");
            double[] x = new double[history.size()], tr = new double[history.size()], te = new double[history.size()],
                    loss = new double[history.size()];
            for (int i = 0; i < history.size(); i++) {
                Trainer.EpochMetrics m = history.get(i);
                csv.append(String.format(Locale.ROOT, "%d,%b,%.6g,%.6f,%.6f,%.6f,%.2f,%.2f%n", m.epoch(),
                        m.warmup(), m.lr(), m.trainLoss(), m.trainAccuracy(), m.testAccuracy(), m.seconds(),
                        m.imagesPerSecond()));
                epochsJson.add(JSON.valueToTree(m));
                x[i] = m.epoch();
                tr[i] = m.trainAccuracy();
                te[i] = m.testAccuracy();
                loss[i] = m.trainLoss();
            }
            putSettings(o);
            if (!Double.isNaN(initialAccuracy)) {
                o.put("initial_test_accuracy", initialAccuracy);
            }
            if (!history.isEmpty()) {
                o.put("test_accuracy", history.get(history.size() - 1).testAccuracy());
                o.put("train_accuracy", history.get(history.size() - 1).trainAccuracy());
                putBest(o, history);
            }
            if (error != null) {
                o.put("error", error);
            }
            AtomicFiles.writeString(dir.resolve("metrics.csv"), csv.toString());
            AtomicFiles.writeString(dir.resolve("metrics.json"), json(o));
            if (!history.isEmpty()) {
                Charts.line(dir.resolve("learning_curve.png"), "Learning curve: " + model.getFileName() + ", "
                        + scheme, "epoch", "accuracy / loss", List.of(new Charts.Series("train accuracy", x, tr,
                                false), new Charts.Series("test accuracy", x, te, false),
                                new Charts.Series("train loss", x, loss, false)));
            }
            return o;
        }

        private ObjectNode writeRegression(Path dir, List<Trainer.EpochMetrics> history, String error) {
            StringBuilder csv = new StringBuilder("epoch,warmup,lr,train_mse,train_mae,test_mse,test_mae,seconds,"
                    + "samples_per_second\n");
            ObjectNode o = JSON.createObjectNode();
            o.put("task", taskKind.cli());
            ArrayNode epochsJson = o.putArray("epochs");
            boolean autoencode = taskKind == TrainSpec.Task.AUTOENCODE;
            int n = history.size();
            double[] x = new double[n], trMse = new double[n], teMse = new double[n], teMae = new double[n];
            for (int i = 0; i < n; i++) {
                Trainer.EpochMetrics m = history.get(i);
                csv.append(String.format(Locale.ROOT, "%d,%b,%.6g,%.6g,%.6g,%.6g,%.6g,%.2f,%.2f%n", m.epoch(),
                        m.warmup(), m.lr(), m.trainLoss(), m.trainMae(), m.testMse(), m.testMae(), m.seconds(),
                        m.imagesPerSecond()));
                ObjectNode e = epochsJson.addObject();
                e.put("epoch", m.epoch());
                e.put("warmup", m.warmup());
                e.put("lr", m.lr());
                e.put("train_mse", m.trainLoss());
                e.put("train_mae", m.trainMae());
                e.put("test_mse", m.testMse());
                e.put("test_mae", m.testMae());
                if (autoencode) {
                    e.put("test_auc", m.testAuc());
                }
                e.put("seconds", m.seconds());
                e.put("samples_per_second", m.imagesPerSecond());
                x[i] = m.epoch();
                trMse[i] = m.trainLoss();
                teMse[i] = m.testMse();
                teMae[i] = m.testMae();
            }
            putSettings(o);
            if (!autoencode) {
                o.set("targets", JSON.valueToTree(train.targetNames()));
            }
            if (initial != null) {
                o.put("initial_test_mse", initial.mse());
                o.put("initial_test_mae", initial.mae());
                if (autoencode) {
                    o.put("initial_test_auc", initial.auc());
                    o.put("initial_test_normal_mse", initial.normalMse());
                }
            }
            if (n > 0) {
                Trainer.EpochMetrics last = history.get(n - 1);
                o.put("train_mse", last.trainLoss());
                o.put("train_mae", last.trainMae());
                o.put("test_mse", last.testMse());
                o.put("test_mae", last.testMae());
                if (autoencode) {
                    o.put("test_auc", last.testAuc());
                }
            }
            if (error != null) {
                o.put("error", error);
            }
            AtomicFiles.writeString(dir.resolve("metrics.csv"), csv.toString());
            AtomicFiles.writeString(dir.resolve("metrics.json"), json(o));
            if (n > 0) {
                Charts.line(dir.resolve("learning_curve.png"), "Learning curve: " + model.getFileName()
                        + ", regression", "epoch", "MSE / MAE", List.of(new Charts.Series("train MSE", x, trMse,
                                false), new Charts.Series("test MSE", x, teMse, false),
                                new Charts.Series("test MAE", x, teMae, false)));
            }
            return o;
        }

        private void putSettings(ObjectNode o) {
            o.setAll(settings);
            o.put("skipped_samples", skipped.size());
            o.set("skipped", JSON.valueToTree(skipped));
        }
    }

    /**
     * The highest test accuracy of any epoch and its epoch (the earliest on a tie). Chosen on the test set, so
     * optimistic; it is there because the reference implementation reports such a maximum ({@code val/best}, over its
     * evaluations after every 10th and the last epoch), and comparisons with its figures need the same convention.
     */
    public static void putBest(ObjectNode o, List<Trainer.EpochMetrics> history) {
        Trainer.EpochMetrics best = null;
        for (Trainer.EpochMetrics m : history) {
            if (!Double.isNaN(m.testAccuracy()) && (best == null || m.testAccuracy() > best.testAccuracy())) {
                best = m;
            }
        }
        if (best != null) {
            o.put("best_test_accuracy", best.testAccuracy());
            o.put("best_test_epoch", best.epoch());
        }
    }

    private static String json(ObjectNode o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
