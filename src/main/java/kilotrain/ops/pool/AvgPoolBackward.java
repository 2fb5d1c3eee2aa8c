package kilotrain.ops.pool;

import kilotrain.ir.AvgPool2D;

/**
 * Backward pass of average pooling (input and output share their quantization, so the float relaxation is the
 * plain mean). Each output pixel p spreads {@code g_y[p,c] * inv[p]} onto the input pixels of its window, where
 * {@code inv[p] = 1.0f / (float) count[p]} (one float32 division) and count is the number of window pixels inside
 * the input (padding excluded, as TFLite divides; the whole window without padding, as the paper's global pool).
 * Each {@code g_x} element is a sequential float32 sum from +0.0f over the output pixels p in raster order.
 * An optional clamp mask (bit per output element, as ConvMask) zeroes the gradient where the output was clamped.
 */
public final class AvgPoolBackward {
    private AvgPoolBackward() {
    }

    /** gX [H, W, C] overwritten; mask may be null (no clamp can bind, e.g. full int8 range). */
    public static void inputGrad(AvgPool2D op, float[] gY, int gyOff, byte[] mask, int maskOff, float[] gX,
            int gxOff) {
        final int inH = op.input.height(), inW = op.input.width(), ch = op.input.channels();
        final int outH = op.output.height(), outW = op.output.width();
        final int fh = op.filterH, fw = op.filterW, sh = op.strideH, sw = op.strideW;
        final int pt = op.padding.top(), pl = op.padding.left();
        final int n = inH * inW * ch;
        for (int i = 0; i < n; i++) {
            gX[gxOff + i] = 0.0f;
        }
        for (int oy = 0; oy < outH; oy++) {
            final int y0 = Math.max(0, oy * sh - pt), y1 = Math.min(inH, oy * sh - pt + fh);
            for (int ox = 0; ox < outW; ox++) {
                final int x0 = Math.max(0, ox * sw - pl), x1 = Math.min(inW, ox * sw - pl + fw);
                final int count = (y1 - y0) * (x1 - x0);
                if (count <= 0) {
                    continue;
                }
                final float inv = 1.0f / (float) count;
                final int go = (oy * outW + ox) * ch;
                for (int iy = y0; iy < y1; iy++) {
                    for (int ix = x0; ix < x1; ix++) {
                        final int xo = gxOff + (iy * inW + ix) * ch;
                        for (int c = 0; c < ch; c++) {
                            final int e = go + c;
                            if (mask != null && ((mask[maskOff + (e >>> 3)] >>> (e & 7)) & 1) == 0) {
                                continue;
                            }
                            gX[xo + c] += gY[gyOff + e] * inv;
                        }
                    }
                }
            }
        }
    }
}
