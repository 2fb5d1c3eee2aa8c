package kilotrain.data;

/**
 * Pillow's {@code Image.resize(size, Image.BILINEAR)} for 8-bit images, bit for bit: what torchvision's
 * {@code Resize}/{@code RandomResizedCrop} do on the PIL images an ImageFolder yields, and what the reference
 * implementation used to make the golden inputs in {@code testvectors/} (reproduced exactly by this class).
 * <p>
 * Per axis (Pillow's {@code precompute_coeffs}, triangle filter of support 1, widened by the scale when shrinking,
 * so shrinking is antialiased):
 * <pre>
 *   scale = in / out;  fs = max(scale, 1);  support = fs
 *   center = (o + 0.5) * scale;  xmin = max((int)(center - support + 0.5), 0);  xmax = min((int)(center + support + 0.5), in)
 *   w[x] = max(0, 1 - |(x + xmin - center + 0.5) / fs|), normalised to sum 1, then (int)(w * 2^22 +- 0.5)
 * </pre>
 * Horizontal pass first, each result rounded to uint8 ({@code (sum + 2^21) >> 22}, clamped), then the vertical pass
 * on those uint8 values, rounded the same way.
 */
public final class PilResize {
    private static final int PRECISION_BITS = 22;

    private PilResize() {
    }

    /** Integer filter taps for a range of output positions along one axis. */
    static final class Coeffs {
        final int[] start;
        final int[] count;
        final int[] weights;
        final int ksize;

        Coeffs(int n, int ksize) {
            this.start = new int[n];
            this.count = new int[n];
            this.weights = new int[n * ksize];
            this.ksize = ksize;
        }
    }

    /** Reusable buffers, one per thread. */
    public static final class Workspace {
        private int[] rows = new int[0];
        private int[] rowDone = new int[0];
        private int[] acc = new int[0];
        private int stamp;
    }

    static Coeffs coeffs(int inSize, int outSize, int from, int count, boolean mirror) {
        double scale = (double) inSize / outSize;
        double filterscale = Math.max(scale, 1.0);
        double support = filterscale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        Coeffs c = new Coeffs(count, ksize);
        double[] w = new double[ksize];
        for (int k = 0; k < count; k++) {
            int xx = from + (mirror ? count - 1 - k : k);
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterscale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) {
                xmin = 0;
            }
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) {
                xmax = inSize;
            }
            xmax -= xmin;
            double ww = 0;
            for (int x = 0; x < xmax; x++) {
                double t = Math.abs((x + xmin - center + 0.5) * ss);
                w[x] = t < 1.0 ? 1.0 - t : 0.0;
                ww += w[x];
            }
            for (int x = 0; x < xmax; x++) {
                double v = ww != 0.0 ? w[x] / ww : w[x];
                c.weights[k * ksize + x] = (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS)
                        : 0.5 + v * (1 << PRECISION_BITS));
            }
            c.start[k] = xmin;
            c.count[k] = xmax;
        }
        return c;
    }

    private static int clip8(int ss) {
        int v = ss >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** Same contract as {@link BilinearResize#resize}: box of the source, window of the result, optional mirror. */
    public static void resize(byte[] src, int srcW, int c, int top, int left, int boxH, int boxW, int outH, int outW,
                              int offY, int offX, int dstH, int dstW, boolean mirror, float[] dst, Workspace ws) {
        Coeffs ys = coeffs(boxH, outH, offY, dstH, false);
        Coeffs xs = coeffs(boxW, outW, offX, dstW, mirror);
        int rowLen = dstW * c;
        if (ws.rows.length < boxH * rowLen) {
            ws.rows = new int[boxH * rowLen];
        }
        if (ws.rowDone.length < boxH) {
            ws.rowDone = new int[boxH];
            ws.stamp = 0;
        }
        int stamp = ++ws.stamp;
        if (stamp == Integer.MAX_VALUE) {
            java.util.Arrays.fill(ws.rowDone, 0);
            ws.stamp = stamp = 1;
        }
        if (ws.acc.length < rowLen) {
            ws.acc = new int[rowLen];
        }
        int[] acc = ws.acc;
        int[] rows = ws.rows;
        int[] done = ws.rowDone;
        int half = 1 << (PRECISION_BITS - 1);
        int o = 0;
        int yk = ys.ksize;
        for (int y = 0; y < dstH; y++) {
            int y0 = ys.start[y];
            int n = ys.count[y];
            for (int i = 0; i < n; i++) {
                int r = y0 + i;
                if (done[r] != stamp) {
                    horizontal(src, ((top + r) * srcW + left) * c, xs, c, dstW, rows, r * rowLen);
                    done[r] = stamp;
                }
            }
            int wBase = y * yk;
            java.util.Arrays.fill(acc, 0, rowLen, half);
            for (int i = 0; i < n; i++) {
                int wt = ys.weights[wBase + i];
                int base = (y0 + i) * rowLen;
                for (int k = 0; k < rowLen; k++) {
                    acc[k] += rows[base + k] * wt;
                }
            }
            for (int k = 0; k < rowLen; k++) {
                dst[o++] = clip8(acc[k]);
            }
        }
    }

    private static void horizontal(byte[] src, int rowStart, Coeffs xs, int c, int dstW, int[] rows, int out) {
        int half = 1 << (PRECISION_BITS - 1);
        int ks = xs.ksize;
        if (c == 3) {
            for (int x = 0; x < dstW; x++) {
                int p = rowStart + xs.start[x] * 3;
                int n = xs.count[x];
                int wBase = x * ks;
                int s0 = half;
                int s1 = half;
                int s2 = half;
                for (int i = 0; i < n; i++, p += 3) {
                    int wt = xs.weights[wBase + i];
                    s0 += (src[p] & 0xFF) * wt;
                    s1 += (src[p + 1] & 0xFF) * wt;
                    s2 += (src[p + 2] & 0xFF) * wt;
                }
                rows[out++] = clip8(s0);
                rows[out++] = clip8(s1);
                rows[out++] = clip8(s2);
            }
            return;
        }
        for (int x = 0; x < dstW; x++) {
            int p = rowStart + xs.start[x] * c;
            int n = xs.count[x];
            int wBase = x * ks;
            for (int ch = 0; ch < c; ch++) {
                int ss = half;
                for (int i = 0; i < n; i++) {
                    ss += (src[p + i * c + ch] & 0xFF) * xs.weights[wBase + i];
                }
                rows[out++] = clip8(ss);
            }
        }
    }

    /** Plain resize of a whole uint8 HWC image to uint8. */
    public static byte[] resize(byte[] src, int srcH, int srcW, int c, int dstH, int dstW) {
        float[] f = new float[dstH * dstW * c];
        resize(src, srcW, c, 0, 0, srcH, srcW, dstH, dstW, 0, 0, dstH, dstW, false, f, new Workspace());
        byte[] out = new byte[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = (byte) (int) f[i];
        }
        return out;
    }
}
