package kilotrain.ops.loss;

import kilotrain.KtException;

/**
 * Mean squared error of n float32 predictions against float32 targets, with its gradient, in float32 only (no fused
 * multiply-add; the C kernels {@code kt_mse} and {@code kt_mse_q} are the same sequence):
 * <pre>
 *   t_i = target_i                     (int8 targets: t_i = (float) (q_i - zero) * scale)
 *   d_i = p_i - t_i
 *   S = sum_i (d_i * d_i)              (each product rounded, added sequentially from +0.0f, i ascending)
 *   loss = S / (float) n
 *   g_i = d_i * (2.0f / (float) n)     (the factor rounded once)
 * </pre>
 */
public final class MeanSquaredError {
    private MeanSquaredError() {
    }

    /** Writes dL/dp into grad (n values from gOff) and returns the loss. */
    public static float lossAndGrad(float[] pred, int pOff, float[] target, int n, float[] grad, int gOff) {
        if (n <= 0) {
            throw new KtException("mean squared error over " + n + " outputs");
        }
        if (target == null || target.length != n) {
            throw new KtException("mean squared error: the sample has " + (target == null ? "no" : target.length)
                    + " targets, the model " + n + " outputs");
        }
        float k = 2.0f / (float) n;
        float s = 0.0f;
        for (int i = 0; i < n; i++) {
            float d = pred[pOff + i] - target[i];
            float sq = d * d;
            s += sq;
            grad[gOff + i] = d * k;
        }
        return s / (float) n;
    }

    /** The same against int8 targets {@code q[qOff..qOff+n)} dequantized with {@code scale} and {@code zero}. */
    public static float lossAndGrad(float[] pred, int pOff, byte[] q, int qOff, float scale, int zero, int n,
            float[] grad, int gOff) {
        if (n <= 0) {
            throw new KtException("mean squared error over " + n + " outputs");
        }
        if (q == null || q.length - qOff < n) {
            throw new KtException("mean squared error: the sample has " + (q == null ? "no" : q.length - qOff)
                    + " int8 targets, the model " + n + " outputs");
        }
        float k = 2.0f / (float) n;
        float s = 0.0f;
        for (int i = 0; i < n; i++) {
            float t = kilotrain.ops.dequantize.Dequantize.value(q[qOff + i], scale, zero);
            float d = pred[pOff + i] - t;
            float sq = d * d;
            s += sq;
            grad[gOff + i] = d * k;
        }
        return s / (float) n;
    }
}
