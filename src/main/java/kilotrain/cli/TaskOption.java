package kilotrain.cli;

import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainSpec;
import kilotrain.ir.Graph;
import kilotrain.train.TaskChoice;
import picocli.CommandLine.Option;

/**
 * The task of a step compiled without training data (compile, device-bench): what its loss learns and so what
 * {@code kt_train_step} takes as its target (docs/training.md, "Tasks"). {@code train} chooses it from the data
 * ({@link TaskChoice}).
 */
final class TaskOption {
    @Option(names = "--task", defaultValue = "classify", description = "classify (a new head for --classes; default), "
            + "classify-keep-head (the model's own classifier), regress (float targets, one per model output), "
            + "regress-int8 (int8 targets in the output's quantization), autoencode (the input is the target) or binary"
            + " (one sigmoid logit, labels 0/1).")
    String task;

    TrainSpec.Task task() {
        return task.equals("regress-int8") ? TrainSpec.Task.REGRESS_INT8 : TrainSpec.Task.parse(task);
    }

    /**
     * The spec: a new head's classes are {@code classes}; binary has 2; the tasks that keep the model's own last
     * layer take its output count.
     */
    TrainSpec spec(Graph g, Scheme s, int classes, TrainSpec.Head head) {
        return TrainSpec.forGraph(task(), s, classes, 0, head, g);
    }
}
