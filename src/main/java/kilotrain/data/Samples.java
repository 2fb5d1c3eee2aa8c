package kilotrain.data;

import java.util.List;

/**
 * What a fine-tune reads: model inputs (int8, the input tensor's bytes) and labels for train and test samples. The
 * same (index, epoch) gives the same bytes on every call and thread, which is what lets a frozen prefix of the network
 * be computed once and reused (see {@code kilotrain.search.FrozenPrefix}).
 */
public interface Samples {
    List<String> classes();

    int trainSize();

    int testSize();

    int trainLabel(int index);

    int testLabel(int index);

    /** The order of the training samples in epoch {@code epoch}. */
    int[] epochOrder(int epoch);

    /** Augmented training input of sample {@code index} in epoch {@code epoch}. */
    void fill(int index, int epoch, byte[] dst);

    /** Test input of test sample {@code index} (no randomness). */
    void fillTest(int index, byte[] dst);

    /** The float regression targets of training sample {@code index} (null: the samples have class labels). */
    default float[] trainTargets(int index) {
        return null;
    }

    /** The float regression targets of test sample {@code index} (null: the samples have class labels). */
    default float[] testTargets(int index) {
        return null;
    }
}
