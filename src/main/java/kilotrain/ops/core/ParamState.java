package kilotrain.ops.core;

import kilotrain.ir.Conv2D;

/**
 * The trained parameters as the bound instructions see them (implemented by the program's training state): their
 * current values, a version that moves on with every change (so per-thread copies know when to refresh), and the
 * batch-1 updates of the step.
 */
public interface ParamState {
    /** Bumped by every change of the parameters. */
    int version();

    /** Current full int8 weights of a conv (trained convs: the updated copy; frozen: the model's). */
    byte[] fullWeights(Conv2D c);

    /** Current int32 bias of a conv, or null. */
    int[] currentBias(Conv2D c);

    /** A float parameter's values. */
    float[] floats(Buf b);

    /** The batch-1 in-place update of parameter {@code i} from its per-sample gradient {@code g} (overwritten). */
    void applySample(int i, float[] g, float lr);

    /** The batch-1 update of rows {@code [row0, row0 + rows)} of conv weight parameter {@code i}. */
    void applySampleRows(int i, float[] g, int gOff, int row0, int rows, float lr);
}
