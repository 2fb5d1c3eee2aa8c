package kilotrain.ops.conv;

import kilotrain.ir.Conv2D;

/**
 * A range of rows of a convolution's weight gradient (the layout of {@link ConvBackward#weightGrad}: row = output
 * channel for dense and grouped convs, row {@code k*M + m} for depthwise ones), computed on its own so the device can
 * update a layer's weights a few rows at a time and never hold the whole gradient. Every element is the sum of
 * {@link ConvBackward}'s bit-exact contract (output pixels in raster order, from +0.0f, one rounding per product and
 * per add, zero g_acc terms skipped), so the rows equal those of the whole-tensor kernel bit for bit.
 */
public final class WeightGradRows {
    private WeightGradRows() {
    }

    /** Elements per row of the weight gradient of this conv for these kept channels (null: all). */
    public static int rowLength(Conv2D op, int[] kept) {
        int taps = op.kernelH() * op.kernelW();
        if (op.isDepthwise()) {
            return taps;
        }
        return taps * (op.groups == 1 ? (kept == null ? op.input.channels() : kept.length)
                : op.input.channels() / op.groups);
    }

    /**
     * Rows {@code [row0, row0 + rows)} into {@code out[outOff ..]} (overwritten). {@code x} is the saved input with
     * only the kept channels (all channels for grouped convs), {@code gAcc} the accumulator gradient [OH, OW, cout].
     */
    public static void compute(Conv2D op, byte[] x, int xOff, float[] gAcc, int accOff, int[] kept, int row0,
            int rows, float[] out, int outOff) {
        compute(op, ConvWindow.of(op), x, xOff, gAcc, accOff, kept, row0, rows, out, outOff);
    }

    /** {@link #compute(Conv2D, byte[], int, float[], int, int[], int, int, float[], int)} with its window walk. */
    static void compute(Conv2D op, ConvWindow win, byte[] x, int xOff, float[] gAcc, int accOff, int[] kept,
            int row0, int rows, float[] out, int outOff) {
        final int cin = op.input.channels(), cout = op.output.channels();
        final int zx = op.input.quant.zeroPoint();
        final boolean dw1 = op.isDepthwise();
        final int nk = kept == null ? cin : kept.length;
        final int mult = dw1 ? cout / cin : 1;
        final int perTap = dw1 ? 1 : op.groups == 1 ? nk : cin / op.groups;
        final int xStride = op.groups == 1 || dw1 ? nk : cin;
        final int rowLen = win.taps * perTap;
        for (int r = 0; r < rows; r++) {
            final int row = row0 + r;
            final int co, xBase;
            if (dw1) {
                int kk = row / mult;
                co = (kept == null ? kk : kept[kk]) * mult + row % mult;
                xBase = kk;
            } else {
                co = row;
                xBase = op.groups == 1 ? 0 : (co / (cout / op.groups)) * perTap;
            }
            final int o = outOff + r * rowLen;
            for (int i = 0; i < rowLen; i++) {
                out[o + i] = 0.0f;
            }
            for (int p = 0; p < win.outPixels; p++) {
                final float a = gAcc[accOff + p * cout + co];
                if (a == 0.0f) {
                    continue;
                }
                for (int e = win.outStart[p]; e < win.outStart[p + 1]; e++) {
                    final int xp = xOff + win.outIn[e] * xStride + xBase;
                    final int g = o + win.outTap[e] * perTap;
                    for (int j = 0; j < perTap; j++) {
                        out[g + j] = out[g + j] + a * (float) (x[xp + j] - zx);
                    }
                }
            }
        }
    }
}
