package kilotrain.ops.mean;

import kilotrain.ops.conv.ConvMask;

/** The Java kernel of MEAN's gradient (C: {@code kt_mean_grad}). */
public final class MeanBackward {
    private MeanBackward() {
    }

    /** See {@link MeanBwd}; {@code mask} null: nothing clamps. */
    public static void grad(Mean m, float k, float[] gy, byte[] mask, int maskOff, float[] gx, boolean acc) {
        int batch = m.outer, pixels = m.count, c = m.inner;
        for (int n = 0; n < batch; n++) {
            for (int p = 0; p < pixels; p++) {
                int base = (n * pixels + p) * c;
                for (int ch = 0; ch < c; ch++) {
                    int o = n * c + ch;
                    float g = mask == null || ConvMask.get(mask, maskOff, o) ? gy[o] * k : 0.0f;
                    gx[base + ch] = acc ? gx[base + ch] + g : g;
                }
            }
        }
    }
}
