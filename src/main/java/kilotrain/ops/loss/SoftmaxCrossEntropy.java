package kilotrain.ops.loss;

import kilotrain.KtException;
import kilotrain.ops.math.FloatMath;

/**
 * Softmax cross-entropy on float32 logits (the int8 classifier output taken as floats, as the paper's training
 * does), with its gradient, in float32 only:
 * <pre>
 *   m = max_i l_i                      (first to last)
 *   e_i = FloatMath.exp(l_i - m);  S = sum_i e_i   (sequential from +0.0f, i ascending)
 *   g_i = e_i / S - (i == label ? 1 : 0)
 *   loss = FloatMath.log(S) - (l_label - m)
 * </pre>
 */
public final class SoftmaxCrossEntropy {
    private SoftmaxCrossEntropy() {
    }

    /** Writes dL/dlogits into grad (n values from gOff) and returns the loss. */
    public static float lossAndGrad(float[] logits, int lOff, int n, int label, float[] grad, int gOff) {
        if (n <= 0) {
            throw new KtException("softmax cross-entropy over " + n + " classes");
        }
        if (label < 0 || label >= n) {
            throw new KtException("label " + label + " is out of the " + n + " classes [0, " + n + ")");
        }
        float m = logits[lOff];
        for (int i = 1; i < n; i++) {
            float v = logits[lOff + i];
            if (v != v) {
                throw new KtException("softmax cross-entropy: logit " + i + " is NaN");
            }
            if (v > m) {
                m = v;
            }
        }
        if (m != m || Float.isInfinite(m)) {
            throw new KtException("softmax cross-entropy: logits are not finite (max " + m + ")");
        }
        float s = 0.0f;
        for (int i = 0; i < n; i++) {
            float e = FloatMath.exp(logits[lOff + i] - m);
            grad[gOff + i] = e;
            s += e;
        }
        for (int i = 0; i < n; i++) {
            grad[gOff + i] = grad[gOff + i] / s;
        }
        grad[gOff + label] -= 1.0f;
        return FloatMath.log(s) - (logits[lOff + label] - m);
    }

    /** Loss of int8 logits taken as floats (no dequantization), gradient into grad. */
    public static float lossAndGrad(byte[] logits, int lOff, int n, int label, float[] grad, int gOff) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = logits[lOff + i];
        }
        return lossAndGrad(f, 0, n, label, grad, gOff);
    }
}
