package kilotrain.ops.fc;

import kilotrain.KtException;
import kilotrain.ir.FullyConnected;
import kilotrain.ops.conv.ConvBackward;

/**
 * Backward pass of the quantized fully connected layer: a 1x1 convolution on one pixel, same rules and the same
 * bit-exact contract as {@link ConvBackward} ({@code g_acc = mask ? g_y * eff[o] : +0}). With one pixel every
 * parameter sum has one term: {@code g_b[o] = 0.0f + g_acc[o]} and {@code g_W[o,k] = 0.0f + g_acc[o] * (x[k] - zx)}
 * (the {@code 0.0f +} only turns a -0 into +0, as the sequential sums of the convolution do). {@code g_x[i]} sums
 * {@code g_acc[o] * W[o,i]} over o ascending from +0.0f.
 */
public final class FcBackward {
    private FcBackward() {
    }

    public static void outputGrad(FullyConnected op, float[] gY, int gyOff, byte[] mask, int maskOff, float[] eff,
            float[] gAcc, int accOff) {
        ConvBackward.outputGrad(gY, gyOff, mask, maskOff, eff, 1, op.outFeatures(), gAcc, accOff);
    }

    public static void biasGrad(FullyConnected op, float[] gAcc, int accOff, float[] gB, int gbOff) {
        int out = op.outFeatures();
        for (int o = 0; o < out; o++) {
            gB[gbOff + o] = 0.0f + gAcc[accOff + o];
        }
    }

    /**
     * {@code gW [out, kept]} (overwritten) from the saved input holding only the kept features ({@code null}: all,
     * ascending).
     */
    public static void weightGrad(FullyConnected op, byte[] x, int xOff, float[] gAcc, int accOff, int[] kept,
            float[] gW, int gwOff) {
        int out = op.outFeatures();
        int nk = keptCount(op, kept);
        int zx = op.input.quant.zeroPoint();
        for (int o = 0; o < out; o++) {
            float a = gAcc[accOff + o];
            int wo = gwOff + o * nk;
            for (int k = 0; k < nk; k++) {
                gW[wo + k] = 0.0f + a * (float) (x[xOff + k] - zx);
            }
        }
    }

    /** {@code gX[i] = sum over o ascending of gAcc[o] * W[o, i]} (overwritten). */
    public static void inputGrad(FullyConnected op, byte[] w, int wOff, float[] gAcc, int accOff, float[] gX,
            int gxOff) {
        int out = op.outFeatures(), in = op.inFeatures();
        for (int i = 0; i < in; i++) {
            gX[gxOff + i] = 0.0f;
        }
        for (int o = 0; o < out; o++) {
            float a = gAcc[accOff + o];
            if (a == 0.0f) {
                continue;
            }
            int wo = wOff + o * in;
            for (int i = 0; i < in; i++) {
                gX[gxOff + i] += a * (float) w[wo + i];
            }
        }
    }

    /** Flat index in the full [out, in] weight of each element of the partial gradient {@code [out, kept]}. */
    public static int[] weightSliceIndex(FullyConnected op, int[] kept) {
        int out = op.outFeatures(), in = op.inFeatures();
        int nk = keptCount(op, kept);
        int[] idx = new int[out * nk];
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < nk; k++) {
                idx[o * nk + k] = o * in + (kept == null ? k : kept[k]);
            }
        }
        return idx;
    }

    static int keptCount(FullyConnected op, int[] kept) {
        int in = op.inFeatures();
        if (kept == null) {
            return in;
        }
        if (kept.length == 0) {
            throw new KtException("FullyConnected '" + op.name + "': the list of kept input features is empty");
        }
        for (int i = 0; i < kept.length; i++) {
            if (kept[i] < 0 || kept[i] >= in || (i > 0 && kept[i] <= kept[i - 1])) {
                throw new KtException("FullyConnected '" + op.name + "': kept input feature " + kept[i]
                        + " at position " + i + " is out of [0, " + in + ") or not in strictly ascending order");
            }
        }
        return kept.length;
    }
}
