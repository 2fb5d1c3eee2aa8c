package kilotrain.ops.update;

/**
 * Turns a gradient into the step to subtract from a parameter (in the parameter's own units: int8 steps for
 * weights, int32 steps for biases). Plain SGD: {@code d = lr * g}. With momentum mu (PyTorch's form, no
 * dampening): {@code v = mu * v + g} then {@code d = lr * v}, float32 state v per trained element, starting at 0.
 * Each line is float32 with one rounding per operation, in the order written.
 */
public final class Sgd {
    private final float lr;
    private final float momentum;
    private final float[] velocity;

    /** n trained elements; momentum 0 keeps no state. */
    public Sgd(int n, float lr, float momentum) {
        if (!(lr >= 0.0f) || !(momentum >= 0.0f) || !(momentum < 1.0f)) {
            throw new IllegalArgumentException("SGD needs lr >= 0 and 0 <= momentum < 1, got lr " + lr
                    + ", momentum " + momentum);
        }
        this.lr = lr;
        this.momentum = momentum;
        this.velocity = momentum == 0.0f ? null : new float[n];
    }

    public float learningRate() {
        return lr;
    }

    /** State for checkpoints and the device image; null without momentum. */
    public float[] velocity() {
        return velocity;
    }

    /** delta[i] = step for g[i], i < n. */
    public void delta(float[] g, int gOff, int n, float[] delta, int dOff) {
        delta(g, gOff, n, lr, delta, dOff);
    }

    /** The same with this step's learning rate (a schedule changes it every batch). */
    public void delta(float[] g, int gOff, int n, float lr, float[] delta, int dOff) {
        delta(g, gOff, 0, n, lr, delta, dOff);
    }

    /** Steps of the trained elements {@code [from, from + n)} (a part of the parameter updated on its own). */
    public void delta(float[] g, int gOff, int from, int n, float lr, float[] delta, int dOff) {
        if (velocity == null) {
            for (int i = 0; i < n; i++) {
                delta[dOff + i] = lr * g[gOff + i];
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            float v = momentum * velocity[from + i] + g[gOff + i];
            velocity[from + i] = v;
            delta[dOff + i] = lr * v;
        }
    }
}
