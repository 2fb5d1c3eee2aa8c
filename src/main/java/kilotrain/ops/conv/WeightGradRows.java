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
        final int inH = op.input.height(), inW = op.input.width(), cin = op.input.channels();
        final int outH = op.output.height(), outW = op.output.width(), cout = op.output.channels();
        final int kh = op.kernelH(), kw = op.kernelW(), sh = op.strideH, sw = op.strideW;
        final int dh = op.dilationH, dw = op.dilationW, pt = op.padding.top(), pl = op.padding.left();
        final int zx = op.input.quant.zeroPoint();
        final boolean dw1 = op.isDepthwise();
        final int nk = kept == null ? cin : kept.length;
        final int mult = dw1 ? cout / cin : 1;
        final int perTap = dw1 ? 1 : op.groups == 1 ? nk : cin / op.groups;
        final int xStride = op.groups == 1 || dw1 ? nk : cin;
        final int rowLen = kh * kw * perTap;
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
            for (int oy = 0; oy < outH; oy++) {
                for (int ox = 0; ox < outW; ox++) {
                    final float a = gAcc[accOff + (oy * outW + ox) * cout + co];
                    if (a == 0.0f) {
                        continue;
                    }
                    for (int ky = 0; ky < kh; ky++) {
                        final int iy = oy * sh - pt + ky * dh;
                        if (iy < 0 || iy >= inH) {
                            continue;
                        }
                        for (int kx = 0; kx < kw; kx++) {
                            final int ix = ox * sw - pl + kx * dw;
                            if (ix < 0 || ix >= inW) {
                                continue;
                            }
                            final int xp = xOff + (iy * inW + ix) * xStride + xBase;
                            final int g = o + (ky * kw + kx) * perTap;
                            for (int j = 0; j < perTap; j++) {
                                out[g + j] = out[g + j] + a * (float) (x[xp + j] - zx);
                            }
                        }
                    }
                }
            }
        }
    }
}
