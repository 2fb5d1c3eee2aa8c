package kilotrain.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import kilotrain.KtException;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.data.DatasetSplit;
import kilotrain.data.InputSpec;
import kilotrain.data.SampleSource;
import kilotrain.data.TrainAugment;
import kilotrain.exec.TrainExecutor;
import kilotrain.program.TrainState;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.model.Models;
import kilotrain.model.TfliteExport;
import kilotrain.model.TrainedInput;
import kilotrain.model.TrainedModel;
import kilotrain.program.Program;
import kilotrain.report.Charts;
import kilotrain.train.LrSchedule;
import kilotrain.compiler.Scheme;
import kilotrain.train.TaskChoice;
import kilotrain.train.Trainer;
import kilotrain.util.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Fine-tune a model on a dataset exactly as the device would (int8 forward, float32 backward, "
                + "QAS, sparse update), and save the result.")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Model: .tflite, the paper's .pkl, or a model.ktm that "
            + "train wrote, whose training then goes on (same scheme, classes and head; its input unless told otherwise).")
    Path model;

    @Option(names = "--data", required = true, description = "Dataset folder with train/ and test/ parts.")
    Path data;

    @Option(names = "--scheme",
            description = "classifier-only, bias-only:K, last-k:K, full, a published scheme (e.g. mcunet-5fps:99kb) or a scheme file (default classifier-only; for a .ktm its own).")
    String scheme;

    @Option(names = "--task", defaultValue = "auto", description = "classify (cross-entropy on class labels, a new head),"
            + " classify-keep-head (the model's own classifier trains on its own classes), regress (mean squared error"
            + " of the model's own outputs against the dataset's float or int8 targets), autoencode (mean squared error"
            + " against the input itself; the test set's labels mark normal (0 or 'normal') and anomalous samples and"
            + " the run reports ROC AUC), binary (one sigmoid output, binary cross-entropy on labels 0/1) or auto"
            + " (default: regress for data with targets, autoencode when the model's output is as large as its input"
            + " and does not end in SOFTMAX, classify otherwise).")
    String task;

    @Option(names = "--epochs", defaultValue = "10", description = "Training epochs after warm-up (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--warmup-epochs", defaultValue = "1", description = "Linear warm-up epochs (default ${DEFAULT-VALUE}).")
    int warmup;

    @Mixin
    RunOptions hp;

    @Mixin
    JsonOption json;

    @Mixin
    OptimizerOption optimizer;

    @Option(names = "--drop-last", description = "Skip each epoch's last partial batch, as the reference's PyTorch loader (drop_last=True); default: train every image.")
    boolean dropLast;

    @Option(names = "--schedule", defaultValue = "cosine", description = "cosine or constant (default ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--out", required = true, description = "Output folder: model.ktm (and model.tflite for a TFLite model with an int8 head, binary included), metrics.csv/json, learning_curve.png.")
    Path out;

    @Option(names = "--device-steps", defaultValue = "0",
            description = "After the host fine-tune, compile the result for Cortex-M7, train this many more steps in QEMU "
                    + "(mps2-an500) from the fine-tuned parameters at the base learning rate, check them bit for bit "
                    + "against the host twin and report SRAM, flash and ticks per step (device.json, C project in "
                    + "OUT/device). Needs arm-none-eabi-gcc, make and qemu-system-arm. Default 0: off.")
    int deviceSteps;

    @Mixin
    FineTuneOptions run;

    /** Every option value, checked before the model or the data is read. */
    private void check() {
        Checks.epochs(epochs, warmup);
        hp.check();
        Checks.notNegative("--device-steps", deviceSteps);
        if (!task.equals("auto")) {
            TrainSpec.Task.parse(task);
        }
        schedule();
        optimizer.momentum();
        run.check();
        Checks.outFolder("--out", out);
    }

    @Override
    public Integer call() {
        check();
        TrainedModel start = Files.isRegularFile(model) && TrainedModel.looksLike(model) ? TrainedModel.load(model) : null;
        Graph graph = start != null ? start.graph : ModelLoader.load(model, hp.imageSize());
        Scheme s = start != null ? sameScheme(start) : Scheme.resolve(scheme == null ? "classifier-only" : scheme,
                TrainCompiler.backboneConvs(graph).size());
        split = run.subset.open(data, graph);
        if (split.train() == null) {
            throw new KtException(data + " has no training part (train/, train.csv, x_train.npy ...)");
        }
        taskKind = TaskChoice.resolve(task, graph, split.train(), data.toString());
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
        TrainAugment aug = run.subset.augmentation();
        InputSpec inputSpec = start != null ? Models.input(start, model, run.input) : run.input.spec(graph.input);
        SampleSource src = new SampleSource(split, inputSpec, aug, run.input.transform(), hp.seed);
        TrainedInput trainedInput = new TrainedInput(inputSpec, run.input.resizeShorter());
        Program program = start != null ? sameHead(start)
                : TrainCompiler.compile(graph, TrainSpec.of(taskKind, s, TaskChoice.specClasses(taskKind, graph, classes,
                        split.train()), hp.seed, run.head.resolve(graph)));
        TrainState.Options opt = run.rules.options(hp.qas(), optimizer.momentum(), (int) hp.seed);
        TrainState state = new TrainState(program, opt);
        if (start != null) {
            // the run goes on from the trained values; optimizer state (momentum) starts afresh, as it is not saved
            for (kilotrain.ops.core.Param p : program.params) {
                state.setValue(p, start.state.value(p));
            }
        }
        int savedImageSize = start != null ? start.imageSize : hp.imageSize();
        long headSeed = start != null ? start.seed : hp.seed;
        TrainExecutor exec = new TrainExecutor(program, state);
        int t = hp.threads.count();
        Trainer trainer = new Trainer(exec, src, new Trainer.Options(epochs, warmup, hp.lr, hp.batch, schedule(), t,
                regress ? Double.POSITIVE_INFINITY : Trainer.explodingLoss(classes.size())).withDropLast(dropLast));
        if (regress && src.testSize() > 0) {
            initial = trainer.errors();
        }
        if (taskKind == TrainSpec.Task.CLASSIFY_KEEP_HEAD && src.testSize() > 0) {
            // the model's own head before any step: its test accuracy is the model's
            initialAccuracy = trainer.evaluate();
        }
        Path outDir = out.toAbsolutePath();
        AtomicFiles.checkNotInput(outDir.resolve("model.ktm"), model);
        // TFLite in, TFLite out: the int8 head (or a kept int8 classifier) makes a pure int8 model
        boolean writeTflite = graph.source == Graph.Source.TFLITE && (program.int8Head() || program.keepsClassifier())
                && (!regress || graph.ops.get(TrainCompiler.classifierIndex(graph)) instanceof kilotrain.ir.FullyConnected);
        AtomicFiles.checkNotInput(outDir.resolve("model.tflite"), model);
        String baseName = start != null ? start.baseName : model.getFileName().toString();
        byte[] baseBytes;
        try {
            baseBytes = start != null ? start.baseBytes : Files.readAllBytes(model);
        } catch (java.io.IOException e) {
            throw new KtException("cannot read " + model + ": " + e.getMessage());
        }
        System.err.printf("training %s on %s: %d train / %d test samples, %s, scheme %s%n", model, data,
                src.trainSize(), src.testSize(), taskKind == TrainSpec.Task.AUTOENCODE ? "autoencoder of "
                        + graph.input.elements() + " values" : regress ? "regression of " + classes
                        : taskKind == TrainSpec.Task.BINARY ? "binary " + classes : classes.size() + " classes"
                        + (taskKind == TrainSpec.Task.CLASSIFY_KEEP_HEAD ? " (the model's own head)" : ""), s);
        skipped = SampleOptions.skipped(split.train(), split.test());
        SampleOptions.print(skipped);
        List<Trainer.EpochMetrics> history = new ArrayList<>();
        Progress.Training progress = Progress.training();
        try {
            trainer.run(progress, m -> {
                history.add(m);
                new TrainedModel(baseName, baseBytes, savedImageSize, graph, s, classes, headSeed, program, state, trainedInput)
                        .save(outDir.resolve("model.ktm"));
                if (writeTflite) {
                    byte[] tflite = TfliteExport.write(baseBytes, graph, program, state);
                    AtomicFiles.write(outDir.resolve("model.tflite"), os -> os.write(tflite));
                }
                writeMetrics(outDir, history, null);
            });
        } catch (Trainer.Diverged d) {
            progress.close();
            writeMetrics(outDir, history, d.getMessage());
            throw d;
        }
        ObjectNode summary = writeMetrics(outDir, history, null);
        s.write(outDir.resolve("scheme.json"));
        AtomicFiles.writeString(outDir.resolve("program.txt"), program.listing());
        if (deviceSteps > 0) {
            summary.set("device", DeviceCheck.run(program, state, src, deviceSteps, (float) hp.lr,
                    outDir.resolve("device"), outDir.resolve("device.json"), outDir.resolve("model.ktm")));
        }
        if (json.json) {
            System.out.println(Json.write(summary));
        } else {
            Trainer.EpochMetrics last = history.get(history.size() - 1);
            System.out.printf("%s; model saved to %s%s%n", taskKind == TrainSpec.Task.AUTOENCODE && src.testSize() > 0
                    ? String.format(java.util.Locale.ROOT, "test ROC AUC %.4f (before training %.4f), test MSE %.6g "
                            + "(before %.6g)", last.testAuc(), initial.auc(), last.testMse(), initial.mse())
                    : regress ? (src.testSize() > 0
                            ? String.format(java.util.Locale.ROOT, "test MSE %.6g (before training %.6g), MAE %.6g",
                                    last.testMse(), initial.mse(), last.testMae())
                            : String.format(java.util.Locale.ROOT, "train MSE %.6g, MAE %.6g (%s has no test part)",
                                    last.trainLoss(), last.trainMae(), data))
                    : src.testSize() > 0
                            ? String.format("final test accuracy %.2f %%", 100 * last.testAccuracy())
                            : String.format("final train accuracy %.2f %% (%s has no test part)",
                                    100 * last.trainAccuracy(), data),
                    outDir.resolve("model.ktm"), writeTflite ? " and " + outDir.resolve("model.tflite") : "");
        }
        if (graph.source == Graph.Source.TFLITE && !writeTflite) {
            System.err.println("note: no model.tflite: a float32 head has no pure int8 TFLite form (--head int8 "
                    + "writes one); model.ktm holds the fine-tuned model");
        }
        return 0;
    }

    /** A .ktm's training goes on with its own scheme: another one would train parameters it never held. */
    private Scheme sameScheme(TrainedModel start) {
        if (hp.imageSize() != 0 && hp.imageSize() != start.graph.input.shape[1]) {
            throw new KtException(model + " was fine-tuned at image size " + start.graph.input.shape[1]
                    + "; --image-size " + hp.imageSize() + " would change it");
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
        TrainSpec.Head asked = run.head.asked();
        if (asked != null && (asked == TrainSpec.Head.INT8) != start.program.int8Head()) {
            throw new KtException(model + " has a " + (start.program.int8Head() ? "int8" : "float") + " head; --head "
                    + run.head.head + " would replace it (train its base model " + start.baseName + " for that)");
        }
        return start.program;
    }

    private DatasetSplit split;

    /** Samples left out by --skip-bad-samples (train and test parts), recorded in metrics.json. */
    private List<String> skipped = List.of();

    /** The regression's test MSE and MAE before training (null: classification, or no test part). */
    private Trainer.Errors initial;

    /** classify-keep-head: the test accuracy before training (NaN otherwise). */
    private double initialAccuracy = Double.NaN;

    /** The task this run trains. */
    private TrainSpec.Task taskKind;

    private ObjectNode writeRegressionMetrics(Path dir, List<Trainer.EpochMetrics> history, String error) {
        StringBuilder csv = new StringBuilder("epoch,warmup,lr,train_mse,train_mae,test_mse,test_mae,seconds,samples_per_second\n");
        ObjectNode o = Json.object();
        o.put("task", taskKind.cli());
        ArrayNode epochsJson = o.putArray("epochs");
        int n = history.size();
        double[] x = new double[n], trMse = new double[n], teMse = new double[n], teMae = new double[n];
        for (int i = 0; i < n; i++) {
            Trainer.EpochMetrics m = history.get(i);
            csv.append(String.format(java.util.Locale.ROOT, "%d,%b,%.6g,%.6g,%.6g,%.6g,%.6g,%.2f,%.2f%n", m.epoch(),
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
            if (taskKind == TrainSpec.Task.AUTOENCODE) {
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
        if (taskKind != TrainSpec.Task.AUTOENCODE) {
            o.set("targets", Json.MAPPER.valueToTree(split.train().targetNames()));
        }
        if (initial != null) {
            o.put("initial_test_mse", initial.mse());
            o.put("initial_test_mae", initial.mae());
            if (taskKind == TrainSpec.Task.AUTOENCODE) {
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
            if (taskKind == TrainSpec.Task.AUTOENCODE) {
                o.put("test_auc", last.testAuc());
            }
        }
        if (error != null) {
            o.put("error", error);
        }
        AtomicFiles.writeString(dir.resolve("metrics.csv"), csv.toString());
        AtomicFiles.writeString(dir.resolve("metrics.json"), Json.write(o));
        if (n > 0) {
            Charts.line(dir.resolve("learning_curve.png"), "Learning curve: " + model.getFileName() + ", regression",
                    "epoch", "MSE / MAE", List.of(new Charts.Series("train MSE", x, trMse, false),
                            new Charts.Series("test MSE", x, teMse, false),
                            new Charts.Series("test MAE", x, teMae, false)));
        }
        return o;
    }

    private void putSettings(ObjectNode o) {
        o.put("model", model.toString());
        o.put("data", data.toString());
        o.put("scheme", scheme);
        o.put("lr", hp.lr);
        o.put("batch", hp.batch);
        o.put("drop_last", dropLast);
        o.put("qas", hp.qas);
        o.put("update_rule", run.rules.updateRule);
        o.put("bias_rule", run.rules.biasRule);
        o.put("max_step", kilotrain.train.RunSettings.maxStepText(run.rules.maxStep()));
        o.put("optimizer", optimizer.name());
        o.put("seed", hp.seed);
        SampleOptions.put(skipped, o);
    }

    private ObjectNode writeMetrics(Path dir, List<Trainer.EpochMetrics> history, String error) {
        if (taskKind.mse()) {
            return writeRegressionMetrics(dir, history, error);
        }
        StringBuilder csv = new StringBuilder("epoch,warmup,lr,train_loss,train_accuracy,test_accuracy,seconds,images_per_second\n");
        ObjectNode o = Json.object();
        o.put("task", taskKind.cli());
        ArrayNode epochsJson = o.putArray("epochs");
        double[] x = new double[history.size()], tr = new double[history.size()], te = new double[history.size()],
                loss = new double[history.size()];
        for (int i = 0; i < history.size(); i++) {
            Trainer.EpochMetrics m = history.get(i);
            csv.append(String.format(java.util.Locale.ROOT, "%d,%b,%.6g,%.6f,%.6f,%.6f,%.2f,%.2f%n", m.epoch(),
                    m.warmup(), m.lr(), m.trainLoss(), m.trainAccuracy(), m.testAccuracy(), m.seconds(),
                    m.imagesPerSecond()));
            epochsJson.add(Json.MAPPER.valueToTree(m));
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
        AtomicFiles.writeString(dir.resolve("metrics.json"), Json.write(o));
        if (!history.isEmpty()) {
            Charts.line(dir.resolve("learning_curve.png"), "Learning curve: " + model.getFileName() + ", " + scheme,
                    "epoch", "accuracy / loss", List.of(new Charts.Series("train accuracy", x, tr, false),
                            new Charts.Series("test accuracy", x, te, false),
                            new Charts.Series("train loss", x, loss, false)));
        }
        return o;
    }

    /**
     * The highest test accuracy of any epoch and its epoch (the earliest on a tie). Chosen on the test set, so
     * optimistic; it is there because the reference implementation reports such a maximum ({@code val/best}, over its
     * evaluations after every 10th and the last epoch), and comparisons with its figures need the same convention.
     */
    static void putBest(ObjectNode o, List<Trainer.EpochMetrics> history) {
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

    private LrSchedule.Kind schedule() {
        return switch (schedule) {
            case "cosine" -> LrSchedule.Kind.COSINE;
            case "constant" -> LrSchedule.Kind.CONSTANT;
            default -> throw new KtException("--schedule must be cosine or constant, got " + schedule);
        };
    }
}
