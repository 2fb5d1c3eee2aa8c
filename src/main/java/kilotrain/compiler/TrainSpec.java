package kilotrain.compiler;

import kilotrain.KtException;

/**
 * What to train: the sparse-update scheme, the classes, the classifier head and the seed of a new head's initial
 * weights. With {@code keepClassifier} the model's own int8 classifier stays (and trains, weights and bias) and its
 * int8 outputs are the logits, taken as floats as the paper's training does; otherwise a new head for
 * {@code numClasses} classes replaces it: float32 ({@link Head#FLOAT}) or int8 ({@link Head#INT8}, see
 * {@link Int8Head}).
 */
public record TrainSpec(Scheme scheme, int numClasses, long seed, boolean keepClassifier, Head head, Task task) {
    /**
     * What the step learns (docs/training.md, "Tasks"):
     * <ul>
     *   <li>{@code CLASSIFY}: softmax cross-entropy on a class label, a new head for the dataset's classes;</li>
     *   <li>{@code CLASSIFY_KEEP_HEAD}: the same with the model's own classifier kept and trained (the dataset's classes
     *       are the model's, so nothing is lost at step 0);</li>
     *   <li>{@code REGRESS} / {@code REGRESS_INT8}: mean squared error of the model's own output, dequantized with its
     *       scale and zero point, against float targets / int8 targets in the output's quantization; the model's last
     *       weighted layer is kept and trains, {@code numClasses} is the number of outputs;</li>
     *   <li>{@code AUTOENCODE}: the same against the input itself, dequantized with the input's scale and zero point;
     *       the reconstruction error is the anomaly score;</li>
     *   <li>{@code BINARY}: one sigmoid output (a new head with one logit) and binary cross-entropy on a 0/1 label.</li>
     * </ul>
     */
    public enum Task {
        CLASSIFY("classify"), CLASSIFY_KEEP_HEAD("classify-keep-head"), REGRESS("regress"),
        REGRESS_INT8("regress-int8"), AUTOENCODE("autoencode"), BINARY("binary");

        private final String cli;

        Task(String cli) {
            this.cli = cli;
        }

        /** The tasks {@code --task} names (int8 targets are a regression too: the data says which). */
        public static final String NAMES = "classify, classify-keep-head, regress, autoencode or binary";

        public static Task parse(String s) {
            for (Task t : values()) {
                if (t.cli.equals(s) && t != REGRESS_INT8) {
                    return t;
                }
            }
            throw new KtException("--task must be auto, " + NAMES + ", got " + s);
        }

        /** The spelling a saved model records ({@link #parse} plus {@code regress-int8}). */
        public static Task saved(String s) {
            for (Task t : values()) {
                if (t.cli.equals(s)) {
                    return t;
                }
            }
            throw new KtException("unknown task " + s + " (expected " + NAMES + ")");
        }

        public String cli() {
            return cli;
        }

        /** The task a compiled program trains (what its loss instruction and head say). */
        public static Task of(kilotrain.program.Program p) {
            kilotrain.ops.loss.TargetKind k = p.targetKind();
            if (k != null) {
                return k == kilotrain.ops.loss.TargetKind.FLOAT ? REGRESS
                        : k == kilotrain.ops.loss.TargetKind.INT8 ? REGRESS_INT8 : AUTOENCODE;
            }
            if (p.binary()) {
                return BINARY;
            }
            return p.ownClassifier() ? CLASSIFY_KEEP_HEAD : CLASSIFY;
        }

        /** Whether the loss is a mean squared error of the model's own outputs (regressions and the autoencoder). */
        public boolean mse() {
            return this == REGRESS || this == REGRESS_INT8 || this == AUTOENCODE;
        }

        /** Whether the model's own last layer stays and trains (no new head). */
        public boolean ownOutput() {
            return mse() || this == CLASSIFY_KEEP_HEAD;
        }
    }

    /** The new classifier head's arithmetic. */
    public enum Head {
        FLOAT, INT8;

        /** Parses the CLI spelling ({@code float} or {@code int8}). */
        /** The head named on the command line; null for auto (chosen by the model, {@code --head auto}). */
        public static Head asked(String s) {
            return s.equals("auto") ? null : parse(s);
        }

        public static Head parse(String s) {
            return switch (s) {
                case "float", "float32" -> FLOAT;
                case "int8" -> INT8;
                default -> throw new KtException("--head must be float or int8, got " + s);
            };
        }

        public String cli() {
            return this == FLOAT ? "float" : "int8";
        }
    }

    public TrainSpec {
        if (head == null || task == null) {
            throw new IllegalArgumentException("the head kind and the task are required");
        }
    }

    public TrainSpec(Scheme scheme, int numClasses, long seed, boolean keepClassifier, Head head) {
        this(scheme, numClasses, seed, keepClassifier, head, Task.CLASSIFY);
    }

    /** A regression of {@code outputs} float targets by the model's own last layer. */
    public static TrainSpec regress(Scheme scheme, int outputs, long seed) {
        return of(Task.REGRESS, scheme, outputs, seed, Head.INT8);
    }

    /**
     * The spec of {@code task}: {@code classes} is the dataset's class count (2 for {@code BINARY}) or, for the
     * regressions and the autoencoder, the model's output count; {@code head} matters for a new head only.
     */
    public static TrainSpec of(Task task, Scheme scheme, int classes, long seed, Head head) {
        return new TrainSpec(scheme, classes, seed, task.ownOutput(), task.ownOutput() ? Head.INT8 : head, task);
    }

    /**
     * The spec of {@code task} for {@code graph} without training data (compile, device-bench): a new head's
     * {@code classes}; 2 for {@code BINARY}; the tasks that keep the model's own last layer its output count.
     */
    public static TrainSpec forGraph(Task task, Scheme scheme, int classes, long seed, Head head,
            kilotrain.ir.Graph graph) {
        int n = task.ownOutput() ? TrainCompiler.outputs(graph) : task == Task.BINARY ? 2 : classes;
        return of(task, scheme, n, seed, head);
    }

    public TrainSpec(Scheme scheme, int numClasses, long seed) {
        this(scheme, numClasses, seed, false, Head.FLOAT);
    }

    public TrainSpec(Scheme scheme, int numClasses, long seed, boolean keepClassifier) {
        this(scheme, numClasses, seed, keepClassifier, Head.FLOAT);
    }

    public TrainSpec(Scheme scheme, int numClasses, long seed, Head head) {
        this(scheme, numClasses, seed, false, head);
    }
}
