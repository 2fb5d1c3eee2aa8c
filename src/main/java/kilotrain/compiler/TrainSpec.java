package kilotrain.compiler;

import kilotrain.train.Scheme;

/** What to train: the sparse-update scheme, the new head's classes, and the seed of the head's initial weights. */
public record TrainSpec(Scheme scheme, int numClasses, long seed) {
}
