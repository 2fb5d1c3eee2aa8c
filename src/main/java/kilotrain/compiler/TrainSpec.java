package kilotrain.compiler;

import kilotrain.KtException;

/**
 * What to train: the sparse-update scheme, the classes, the classifier head and the seed of a new head's initial
 * weights. With {@code keepClassifier} the model's own int8 classifier stays (and trains, weights and bias) and its
 * int8 outputs are the logits, taken as floats as the paper's training does; otherwise a new head for
 * {@code numClasses} classes replaces it: float32 ({@link Head#FLOAT}) or int8 ({@link Head#INT8}, see
 * {@link Int8Head}).
 */
public record TrainSpec(Scheme scheme, int numClasses, long seed, boolean keepClassifier, Head head) {
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
        if (head == null) {
            throw new IllegalArgumentException("the head kind is required");
        }
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
