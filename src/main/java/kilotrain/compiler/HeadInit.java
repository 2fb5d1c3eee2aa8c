package kilotrain.compiler;

import java.util.SplittableRandom;

/**
 * Initial weights of the new float32 classifier head: uniform in {@code [-1/sqrt(F), 1/sqrt(F)]} for weights and
 * biases (PyTorch's default for a linear layer), from a seeded generator so that a seed fixes the run. Only the host
 * draws these numbers; the device receives them as initial data.
 */
public final class HeadInit {
    private HeadInit() {
    }

    /** Returns {weights [classes * features] row-major by class, biases [classes]}. */
    public static float[][] uniform(int classes, int features, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x6b696c6f747261L);
        float bound = (float) (1.0 / Math.sqrt(features));
        float[] w = new float[classes * features];
        float[] b = new float[classes];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        }
        return new float[][] {w, b};
    }
}
