package kilotrain.ops.head;

/**
 * The float32 classifier head kilotrain trains on top of the int8 backbone: {@code logits = W f + b} on the
 * dequantized feature {@code f_i = (float)(q_i - z) * s}. Float because a new head starts from random weights whose
 * scale no int8 calibration knows yet, and it costs little on the device (classes x features floats).
 *
 * <p>Bit-exact contract (the generated C follows it): {@code f_i} as above; {@code logits[n]}: a sequential sum from
 * +0.0f over i ascending of {@code W[n][i] * f_i}, then {@code + b[n]}; {@code gW[n][i] = g[n] * f_i};
 * {@code gb[n] = g[n]}; {@code gFeature[i]} (gradient of the quantized feature) = (sequential sum from +0.0f over n
 * ascending of {@code W[n][i] * g[n]}) {@code * s}. No FMA.
 */
public final class FloatHead {
    private FloatHead() {
    }

    public static void dequantize(byte[] q, int qOff, int features, float scale, int zero, float[] f) {
        kilotrain.ops.dequantize.Dequantize.run(q, qOff, features, scale, zero, f, 0);
    }

    public static void forward(float[] f, int features, float[] w, float[] b, int classes, float[] logits, int lOff) {
        for (int n = 0; n < classes; n++) {
            float acc = 0.0f;
            int row = n * features;
            for (int i = 0; i < features; i++) {
                acc += w[row + i] * f[i];
            }
            logits[lOff + n] = acc + b[n];
        }
    }

    /** Parameter gradients (overwritten) and, when gFeature is not null, the quantized feature's gradient. */
    public static void backward(float[] g, int gOff, float[] f, int features, float[] w, int classes, float scale,
            float[] gW, float[] gB, float[] gFeature, int gfOff) {
        for (int n = 0; n < classes; n++) {
            float gn = g[gOff + n];
            int row = n * features;
            for (int i = 0; i < features; i++) {
                gW[row + i] = gn * f[i];
            }
            gB[n] = gn;
        }
        if (gFeature != null) {
            for (int i = 0; i < features; i++) {
                float acc = 0.0f;
                for (int n = 0; n < classes; n++) {
                    acc += w[n * features + i] * g[gOff + n];
                }
                gFeature[gfOff + i] = acc * scale;
            }
        }
    }
}
