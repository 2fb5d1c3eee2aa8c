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
     * What the step learns: {@code CLASSIFY} (softmax cross-entropy on a class label) or {@code REGRESS} (mean squared
     * error of the model's own output, dequantized with its scale and zero point, against float targets; the model's
     * last weighted layer is kept and trains, {@code numClasses} is then the number of outputs).
     */
    public enum Task {
        CLASSIFY, REGRESS;

        public static Task parse(String s) {
            return switch (s) {
                case "classify" -> CLASSIFY;
                case "regress" -> REGRESS;
                default -> throw new KtException("--task must be classify or regress, got " + s);
            };
        }

        public String cli() {
            return this == CLASSIFY ? "classify" : "regress";
        }
    }

    /** The new classifier head's arithmetic. */
    public enum Head {
        FLOAT, INT8;

        /** Parses the CLI spelling ({@code float} or {@code int8}). */
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
        return new TrainSpec(scheme, outputs, seed, true, Head.INT8, Task.REGRESS);
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
