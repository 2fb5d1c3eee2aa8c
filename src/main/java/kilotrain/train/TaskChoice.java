package kilotrain.train;

import java.util.List;
import kilotrain.KtException;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.data.Dataset;
import kilotrain.ir.Graph;
import kilotrain.ir.Softmax;

/**
 * Which task a run trains ({@code --task}, docs/training.md "Tasks"). {@code auto}, the default:
 * <ol>
 *   <li>the data carries regression targets (float or int8 {@code y} arrays, CSV {@code --target-columns}):
 *       {@code regress};</li>
 *   <li>else the model's output has as many values as its input (more than one) and does not end in SOFTMAX:
 *       {@code autoencode}
 *       (the labels then mark the test set's normal and anomalous samples);</li>
 *   <li>else {@code classify} with a new head. {@code classify-keep-head} and {@code binary} are chosen by name only:
 *       a model file does not name its classes, so equal class counts do not prove that the dataset's classes are
 *       the model's, and two classes fit both a softmax pair and one sigmoid output.</li>
 * </ol>
 */
public final class TaskChoice {
    private TaskChoice() {
    }

    /** The task of {@code asked} ({@code auto} or a name) for this model and training data. */
    public static TrainSpec.Task resolve(String asked, Graph graph, Dataset train, String data) {
        boolean targets = train.hasTargets();
        boolean softmax = graph.ops.get(graph.ops.size() - 1) instanceof Softmax;
        TrainSpec.Task t;
        if (asked.equals("auto")) {
            t = targets ? TrainSpec.Task.REGRESS
                    : !softmax && graph.input.elements() > 1 && outputs(graph) == graph.input.elements()
                    ? TrainSpec.Task.AUTOENCODE
                    : TrainSpec.Task.CLASSIFY;
        } else {
            t = TrainSpec.Task.parse(asked);
        }
        if (t == TrainSpec.Task.REGRESS) {
            if (!targets) {
                throw new KtException("--task regress: " + data + " has class labels, no targets (a CSV names them "
                        + "with --target-columns; float y arrays and int8 y arrays of shape (N, K) are targets)");
            }
            return train.targetsInt8() ? TrainSpec.Task.REGRESS_INT8 : TrainSpec.Task.REGRESS;
        }
        if (targets) {
            throw new KtException(data + " holds regression targets " + train.targetNames() + (softmax ? " but model "
                    + graph.name + " ends in SOFTMAX (a class vector)" : "") + "; --task " + t.cli() + " needs class"
                    + " labels (give --label-column for a CSV with labels), --task regress fits the targets");
        }
        if (t == TrainSpec.Task.BINARY && train.classes().size() != 2) {
            throw new KtException("--task binary: " + data + " has " + train.classes().size() + " classes "
                    + train.classes() + "; binary needs exactly 2 (the second, e.g. label 1, is the positive one)");
        }
        return t;
    }

    /** The number of values the model's own last weighted layer puts out. */
    public static int outputs(Graph graph) {
        return TrainCompiler.outputs(graph);
    }

    /**
     * The {@code numClasses} of the task's {@link TrainSpec}: the model's output count for the regressions and the
     * autoencoder (a regression's targets are checked against it when compiling), the class count otherwise.
     */
    public static int specClasses(TrainSpec.Task t, Graph graph, List<String> classes, Dataset train) {
        if (t == TrainSpec.Task.AUTOENCODE) {
            return outputs(graph);
        }
        if (t.mse()) {
            return train.targetNames().size();
        }
        return classes.size();
    }

    /** The names a run records as its classes: the targets of a regression, the labels' classes otherwise. */
    public static List<String> classes(TrainSpec.Task t, Dataset train) {
        return t.mse() && t != TrainSpec.Task.AUTOENCODE ? train.targetNames() : train.classes();
    }
}
