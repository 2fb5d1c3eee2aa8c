package kilotrain.ops.loss;

import kilotrain.KtException;
import kilotrain.ops.math.FloatMath;

/**
 * Binary cross-entropy of one logit z (a sigmoid output) against a 0/1 label y, in its overflow-free form, float32
 * only, kilotrain's own {@code exp}/{@code log} (the C kernel {@code kt_bce} is the same sequence):
 * <pre>
 *   e = FloatMath.exp(-|z|)
 *   loss = ((z > 0 ? z : 0) - (y == 1 ? z : 0)) + FloatMath.log(1.0f + e)
 *   p = z >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e)      (sigmoid(z))
 *   g = p - (float) y
 * </pre>
 */
public final class BinaryCrossEntropy {
    private BinaryCrossEntropy() {
    }

    /** Writes dL/dz into grad[gOff] and returns the loss. */
    public static float lossAndGrad(float z, int label, float[] grad, int gOff) {
        if (label != 0 && label != 1) {
            throw new KtException("binary cross-entropy: label " + label + " is not 0 or 1");
        }
        if (z != z) {
            throw new KtException("binary cross-entropy: the logit is NaN");
        }
        float a = z < 0.0f ? -z : z;
        float e = FloatMath.exp(-a);
        float onePlus = 1.0f + e;
        float m = z > 0.0f ? z : 0.0f;
        float zy = label == 1 ? z : 0.0f;
        float loss = (m - zy) + FloatMath.log(onePlus);
        float p = z >= 0.0f ? 1.0f / onePlus : e / onePlus;
        grad[gOff] = p - (float) label;
        return loss;
    }
}
