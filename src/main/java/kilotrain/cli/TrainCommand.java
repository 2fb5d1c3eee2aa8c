package kilotrain.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import kilotrain.KtException;
import kilotrain.compiler.TrainSpec;
import kilotrain.train.LrSchedule;
import kilotrain.train.TrainRun;
import kilotrain.train.Trainer;
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
        Progress.Training progress = Progress.training();
        TrainRun.Outcome done;
        try {
            done = new TrainRun(model, data, scheme, task, hp.imageSize(), hp.seed, run.rules.options(hp.qas(),
                    optimizer.momentum(), (int) hp.seed), epochs, warmup, hp.lr, hp.batch, schedule(),
                    hp.threads.count(), dropLast, run.head::resolve, run.head.head, run.input, run.subset::open,
                    run.subset.augmentation(), settings(), out, deviceSteps).run(progress, System.err::println,
                            SampleOptions::print);
        } catch (Trainer.Diverged d) {
            progress.close();
            throw d;
        }
        TrainSpec.Task taskKind = done.task();
        boolean regress = taskKind.mse();
        Trainer.Errors initial = done.initial();
        if (json.json) {
            System.out.println(Json.write(done.summary()));
        } else {
            Trainer.EpochMetrics last = done.history().get(done.history().size() - 1);
            System.out.printf("%s; model saved to %s%s%n", taskKind == TrainSpec.Task.AUTOENCODE && done.testSize() > 0
                    ? String.format(java.util.Locale.ROOT, "test ROC AUC %.4f (before training %.4f), test MSE %.6g "
                            + "(before %.6g)", last.testAuc(), initial.auc(), last.testMse(), initial.mse())
                    : regress ? (done.testSize() > 0
                            ? String.format(java.util.Locale.ROOT, "test MSE %.6g (before training %.6g), MAE %.6g",
                                    last.testMse(), initial.mse(), last.testMae())
                            : String.format(java.util.Locale.ROOT, "train MSE %.6g, MAE %.6g (%s has no test part)",
                                    last.trainLoss(), last.trainMae(), data))
                    : done.testSize() > 0
                            ? String.format("final test accuracy %.2f %%", 100 * last.testAccuracy())
                            : String.format("final train accuracy %.2f %% (%s has no test part)",
                                    100 * last.trainAccuracy(), data),
                    done.ktm(), done.tflite() != null ? " and " + done.tflite() : "");
        }
        if (done.fromTflite() && done.tflite() == null) {
            System.err.println("note: no model.tflite: a float32 head has no pure int8 TFLite form (--head int8 "
                    + "writes one); model.ktm holds the fine-tuned model");
        }
        return 0;
    }

    /** The run's settings as metrics.json records them. */
    private ObjectNode settings() {
        ObjectNode o = Json.object();
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
        return o;
    }

    private LrSchedule.Kind schedule() {
        return switch (schedule) {
            case "cosine" -> LrSchedule.Kind.COSINE;
            case "constant" -> LrSchedule.Kind.CONSTANT;
            default -> throw new KtException("--schedule must be cosine or constant, got " + schedule);
        };
    }
}
