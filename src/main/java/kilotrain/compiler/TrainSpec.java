package kilotrain.compiler;

import kilotrain.train.Scheme;

/**
 * What to train: the sparse-update scheme, the classes, and the seed of a new head's initial weights. With
 * {@code keepClassifier} the model's own int8 classifier stays (and trains, weights and bias) and its int8 outputs
 * are the logits, taken as floats as the paper's training does; otherwise a new float32 head for
 * {@code numClasses} classes replaces it.
 */
public record TrainSpec(Scheme scheme, int numClasses, long seed, boolean keepClassifier) {
    public TrainSpec(Scheme scheme, int numClasses, long seed) {
        this(scheme, numClasses, seed, false);
    }
}
