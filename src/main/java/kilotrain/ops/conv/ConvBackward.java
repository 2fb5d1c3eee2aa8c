package kilotrain.ops.conv;

import kilotrain.KtException;
import kilotrain.ir.Conv2D;
import kilotrain.ir.Requant;

/**
 * Backward pass of the quantized convolution, in float32, rounding treated as identity (the paper's rule).
 * Forward: {@code acc = sum W*(x - zx)}, {@code z = float(acc + b) * eff[c]}, {@code y = clamp(rint(z) + zy)}.
 * Backward, given {@code g_y = dL/dy}: {@code g_acc = g_y * eff[c]} where the clamp mask is 1, else +0;
 * {@code g_b[c] = sum_p g_acc[p,c]}; {@code g_W[c,ky,kx,i] = sum_p g_acc[p,c] * (x[p',i] - zx)};
 * {@code g_x} is the transposed convolution of {@code g_acc} with {@code W}.
 *
 * <p>Bit-exact contract (the generated C must follow it): every sum is a sequential float32 sum that starts at
 * {@code +0.0f} and adds one product at a time, {@code s = s + a*b} with the product rounded before the add (no
 * FMA: {@code -ffp-contract=off}), terms in this order:
 * <ul>
 * <li>{@code g_b[c]}: output pixels p in raster order (row by row, p = oy*OW + ox ascending);
 * <li>{@code g_W[c,ky,kx,i]}: output pixels p in raster order (pixels whose tap falls in the padding add nothing);
 * <li>{@code g_x[iy,ix,i]}: output pixels p in raster order, and for one pixel its output channels c ascending
 *     (for a given input pixel and output pixel at most one tap (ky,kx) contributes).
 * </ul>
 * Terms whose {@code g_acc} is zero may be skipped: a sum that starts at +0 is never -0, so adding a signed zero
 * leaves it unchanged. Products are {@code g_acc * (float)(x - zx)} and {@code g_acc * (float)W}, both int-to-float
 * conversions exact. Loop nests below vary for speed but always respect these per-element orders.
 *
 * <p>Activations are NHWC with N = 1 and are passed as (array, offset) pairs so a planned arena can hold them.
 *
 * <p>Partial-channel (sparse) update: the weight gradient is computed only for a sorted list of kept input
 * channels, from a saved input holding just those channels ({@code [H, W, kept]}). Dense convolutions then give
 * {@code g_W [cout, kh, kw, kept]}; depthwise ones (channel multiplier M) give the rows of the kept channels,
 * {@code [kept*M, kh, kw, 1]}, row {@code k*M + m} being output channel {@code kept[k]*M + m}. Other grouped
 * convolutions only train all channels.
 */
public final class ConvBackward {
    private ConvBackward() {
    }

    /**
     * {@code gAcc[p*C + c] = mask ? gY[p*C + c] * eff[c] : +0.0f} for n = pixels * channels elements; eff holds
     * one scale per channel, or a single one for all.
     */
    public static void outputGrad(float[] gY, int gyOff, byte[] mask, int maskOff, float[] eff, int pixels,
            int channels, float[] gAcc, int accOff) {
        final boolean perChannel = eff.length != 1;
        final float e0 = eff[0];
        int i = 0;
        for (int p = 0; p < pixels; p++) {
            for (int c = 0; c < channels; c++, i++) {
                // Branch-free select (the mask is close to random, so a branch mispredicts often): the bits of
                // the product where the bit is 1, else the bits of +0.0f; identical to pass ? g * eff : 0.0f.
                final int keep = -((mask[maskOff + (i >>> 3)] >>> (i & 7)) & 1);
                final float v = gY[gyOff + i] * (perChannel ? eff[c] : e0);
                gAcc[accOff + i] = Float.intBitsToFloat(Float.floatToRawIntBits(v) & keep);
            }
        }
    }

    /** The outputGrad of this convolution's output tensor. */
    public static void outputGrad(Conv2D op, float[] gY, int gyOff, byte[] mask, int maskOff, float[] eff,
            float[] gAcc, int accOff) {
        outputGrad(gY, gyOff, mask, maskOff, eff, op.output.height() * op.output.width(), op.output.channels(),
                gAcc, accOff);
    }

    /** {@code gB[c] = sum over pixels p ascending of gAcc[p*C + c]}, from +0.0f; overwrites gB. */
    public static void biasGrad(float[] gAcc, int accOff, int pixels, int channels, float[] gB, int gbOff) {
        for (int c = 0; c < channels; c++) {
            gB[gbOff + c] = 0.0f;
        }
        for (int p = 0; p < pixels; p++) {
            int row = accOff + p * channels;
            for (int c = 0; c < channels; c++) {
                gB[gbOff + c] += gAcc[row + c];
            }
        }
    }

    public static void biasGrad(Conv2D op, float[] gAcc, int accOff, float[] gB, int gbOff) {
        biasGrad(gAcc, accOff, op.output.height() * op.output.width(), op.output.channels(), gB, gbOff);
    }

    /**
     * Scratch of the backward kernels, grown on demand and reused so a thread's steady state allocates nothing.
     * One per thread (not shared). Rows are separate arrays indexed from 0 because HotSpot's C2 (JDK 17) only
     * vectorizes a loop whose array accesses share one offset: {@code r[i] += a * s[i]} runs several times faster
     * than {@code r[d + i] += a * s[o + i]}.
     */
    public static final class Work {
        private final Rows x = new Rows(), acc = new Rows(), taps = new Rows(), row = new Rows(), flat = new Rows();
        private float[] coef = new float[0];
        private int[] idx = new int[0], idx2 = new int[0];
        private final java.util.IdentityHashMap<Conv2D, ConvWindow> windows = new java.util.IdentityHashMap<>();

        /** The window walk of this conv, computed on first use by this scratch's thread. */
        ConvWindow window(Conv2D op) {
            return windows.computeIfAbsent(op, ConvWindow::of);
        }

        /** Room for term lists of n entries. */
        void lists(int n) {
            if (idx.length < n) {
                idx = new int[n];
                idx2 = new int[n];
                coef = new float[n];
            }
        }
    }

    /** A growable set of row arrays; capacities only grow, contents are whatever the last user left. */
    private static final class Rows {
        float[][] r = new float[0][];

        float[][] get(int count, int len) {
            if (r.length < count || (count > 0 && r[0].length < len)) {
                int c = Math.max(count, r.length), l = Math.max(len, r.length > 0 ? r[0].length : 0);
                r = new float[c][l];
            }
            return r;
        }
    }

    /** The pixel rows of {@code src} ({@code pixels x len}, from off) copied to separate arrays. */
    private static float[][] pixelRows(Rows rows, float[] src, int off, int pixels, int len) {
        float[][] r = rows.get(pixels, len);
        for (int p = 0; p < pixels; p++) {
            System.arraycopy(src, off + p * len, r[p], 0, len);
        }
        return r;
    }

    /**
     * The saved int8 input as exact floats {@code x - zx}, one array per pixel. Converted in one flat pass
     * (indices without offset, so it vectorizes) then split by copies.
     */
    private static float[][] inputRows(Work work, byte[] x, int xOff, int pixels, int len, int zx) {
        final float[][] r = work.x.get(pixels, len);
        final int n = pixels * len;
        final float[] f = work.flat.get(1, n)[0];
        if (xOff == 0) {
            for (int i = 0; i < n; i++) {
                f[i] = (float) (x[i] - zx);
            }
        } else {
            for (int i = 0; i < n; i++) {
                f[i] = (float) (x[xOff + i] - zx);
            }
        }
        for (int p = 0; p < pixels; p++) {
            System.arraycopy(f, p * len, r[p], 0, len);
        }
        return r;
    }

    /**
     * Weight gradient (overwritten) for the kept input channels ({@code null}: all). {@code x} is the saved int8
     * input holding only the kept channels ({@code [H, W, kept.length]}), zero point {@code op.input}'s.
     * Layout of gW: see the class comment and {@link #weightGradSize}.
     */
    public static void weightGrad(Conv2D op, byte[] x, int xOff, float[] gAcc, int accOff, int[] kept,
            float[] gW, int gwOff) {
        weightGrad(op, x, xOff, gAcc, accOff, kept, gW, gwOff, new Work());
    }

    /** {@link #weightGrad(Conv2D, byte[], int, float[], int, int[], float[], int)} with reusable scratch. */
    public static void weightGrad(Conv2D op, byte[] x, int xOff, float[] gAcc, int accOff, int[] kept,
            float[] gW, int gwOff, Work work) {
        final int cin = op.input.channels(), cout = op.output.channels();
        final int groups = op.groups, zx = op.input.quant.zeroPoint();
        final int[] k = kept == null ? null : keptChannels(op, kept);
        final int nk = k == null ? cin : k.length;
        final int xStride = groups == 1 || op.isDepthwise() ? nk : cin;
        // (float)(x - zx) is exact, so converting the whole input once changes no result (C may convert inline).
        final float[][] xr = inputRows(work, x, xOff, op.input.height() * op.input.width(), xStride, zx);
        final ConvWindow win = work.window(op);
        if (op.isDepthwise()) {
            depthwiseWeightGrad(k, nk, xr, gAcc, accOff, cin, cout, win, gW, gwOff, work);
            return;
        }
        if (groups == 1) {
            denseWeightGrad(xr, gAcc, accOff, cout, nk, win, gW, gwOff, work);
            return;
        }
        // Grouped over all channels (x holds cin).
        final int cinPG = cin / groups, coutPG = cout / groups, taps = win.taps;
        final int size = cout * taps * cinPG;
        for (int i = 0; i < size; i++) {
            gW[gwOff + i] = 0.0f;
        }
        for (int o = 0; o < win.outPixels; o++) {
            final int gBase = accOff + o * cout;
            for (int e = win.outStart[o]; e < win.outStart[o + 1]; e++) {
                final float[] xp = xr[win.outIn[e]];
                final int t = win.outTap[e];
                for (int co = 0; co < cout; co++) {
                    final float a = gAcc[gBase + co];
                    if (a == 0.0f) {
                        continue;
                    }
                    final int xb = (co / coutPG) * cinPG;
                    final int wo = gwOff + (co * taps + t) * cinPG;
                    for (int j = 0; j < cinPG; j++) {
                        gW[wo + j] += a * xp[xb + j];
                    }
                }
            }
        }
    }

    /**
     * Ungrouped: for each weight row (co, ky, kx), the nonzero terms in pixel order are listed (input pixel,
     * g_acc), summed from +0 into a private row by {@link #accumulate}, which keeps that order for every element.
     */
    private static void denseWeightGrad(float[][] xr, float[] gAcc, int accOff, int cout, int nk, ConvWindow win,
            float[] gW, int gwOff, Work work) {
        work.lists(win.outPixels);
        final int[] idx = work.idx;
        final float[] coef = work.coef;
        final float[] r = work.row.get(1, nk)[0];
        final int[] start = win.tapStart(), out = win.tapOut(), in = win.tapIn();
        for (int co = 0; co < cout; co++) {
            for (int t = 0; t < win.taps; t++) {
                int cnt = 0;
                for (int e = start[t]; e < start[t + 1]; e++) {
                    final float a = gAcc[accOff + out[e] * cout + co];
                    if (a != 0.0f) {
                        idx[cnt] = in[e];
                        coef[cnt++] = a;
                    }
                }
                java.util.Arrays.fill(r, 0, nk, 0.0f);
                accumulate(r, nk, xr, 0, idx, coef, cnt);
                System.arraycopy(r, 0, gW, gwOff + (co * win.taps + t) * nk, nk);
            }
        }
    }

    /**
     * {@code r[i] = (((r[i] + coef[0]*rows[add+idx[0]][i]) + coef[1]*rows[add+idx[1]][i]) + ...)} for i < n: the
     * terms added one by one in list order, four list entries per pass over r so r is loaded and stored a quarter
     * as often (the vectorized loop runs over i, so each element's order is untouched).
     */
    static void accumulate(float[] r, int n, float[][] rows, int add, int[] idx, float[] coef, int cnt) {
        int j = 0;
        for (; j + 4 <= cnt; j += 4) {
            final float a0 = coef[j], a1 = coef[j + 1], a2 = coef[j + 2], a3 = coef[j + 3];
            final float[] s0 = rows[add + idx[j]], s1 = rows[add + idx[j + 1]];
            final float[] s2 = rows[add + idx[j + 2]], s3 = rows[add + idx[j + 3]];
            for (int i = 0; i < n; i++) {
                float s = r[i];
                s += a0 * s0[i];
                s += a1 * s1[i];
                s += a2 * s2[i];
                s += a3 * s3[i];
                r[i] = s;
            }
        }
        for (; j < cnt; j++) {
            final float a = coef[j];
            final float[] s0 = rows[add + idx[j]];
            for (int i = 0; i < n; i++) {
                r[i] += a * s0[i];
            }
        }
    }

    /**
     * {@code r[i] = ((r[i] + a[ai[0]][i]*b[bi[0]][i]) + a[ai[1]][i]*b[bi[1]][i]) + ...}, list order kept. Three
     * pairs per pass: with four (nine arrays in the loop) C2 no longer vectorizes it. List entries
     * {@code [from, to)}.
     */
    static void accumulatePairs(float[] r, int n, float[][] a, int[] ai, float[][] b, int[] bi, int from, int to) {
        int j = from;
        for (; j + 3 <= to; j += 3) {
            final float[] a0 = a[ai[j]], a1 = a[ai[j + 1]], a2 = a[ai[j + 2]];
            final float[] b0 = b[bi[j]], b1 = b[bi[j + 1]], b2 = b[bi[j + 2]];
            for (int i = 0; i < n; i++) {
                float s = r[i];
                s += a0[i] * b0[i];
                s += a1[i] * b1[i];
                s += a2[i] * b2[i];
                r[i] = s;
            }
        }
        for (; j < to; j++) {
            final float[] a0 = a[ai[j]], b0 = b[bi[j]];
            for (int i = 0; i < n; i++) {
                r[i] += a0[i] * b0[i];
            }
        }
    }

    /**
     * Depthwise: sums kept in tap-major accumulator rows {@code t[tap][row]} so the inner loop runs over
     * contiguous channels, then transposed into {@code gW [row][tap]}; each element's terms arrive in pixel order.
     * {@code k} null means all channels.
     */
    private static void depthwiseWeightGrad(int[] k, int nk, float[][] xr, float[] gAcc, int accOff, int cin,
            int cout, ConvWindow win, float[] gW, int gwOff, Work work) {
        final int mult = cout / cin, rows = nk * mult, taps = win.taps, pixels = win.outPixels;
        final float[][] t = work.taps.get(taps, rows);
        for (int tap = 0; tap < taps; tap++) {
            java.util.Arrays.fill(t[tap], 0, rows, 0.0f);
        }
        if (mult == 1) {
            // g_acc of the kept rows, one array per output pixel; per tap, the (output pixel, input pixel) pairs
            // in pixel order, summed by accumulatePairs
            final float[][] ar = work.acc.get(pixels, rows);
            for (int p = 0; p < pixels; p++) {
                final float[] d = ar[p];
                final int g = accOff + p * cout;
                if (k == null) {
                    System.arraycopy(gAcc, g, d, 0, rows);
                } else {
                    for (int kk = 0; kk < nk; kk++) {
                        d[kk] = gAcc[g + k[kk]];
                    }
                }
            }
            final int[] start = win.tapStart();
            for (int tap = 0; tap < taps; tap++) {
                accumulatePairs(t[tap], nk, ar, win.tapOut(), xr, win.tapIn(), start[tap], start[tap + 1]);
            }
        } else {
            // other multipliers read gAcc directly
            for (int p = 0; p < pixels; p++) {
                final int gBase = accOff + p * cout;
                for (int e = win.outStart[p]; e < win.outStart[p + 1]; e++) {
                    final float[] xp = xr[win.outIn[e]];
                    final float[] tt = t[win.outTap[e]];
                    for (int kk = 0; kk < nk; kk++) {
                        final float xv = xp[kk];
                        final int cb = gBase + (k == null ? kk : k[kk]) * mult;
                        final int rb = kk * mult;
                        for (int m = 0; m < mult; m++) {
                            tt[rb + m] += gAcc[cb + m] * xv;
                        }
                    }
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            for (int tap = 0; tap < taps; tap++) {
                gW[gwOff + r * taps + tap] = t[tap][r];
            }
        }
    }

    /**
     * The int8 weights of a conv as the floats the input gradient multiplies by (an exact conversion, made once
     * per weight version instead of per call), one array per row: {@code [cout*kh*kw][cin/groups]} (OHWI rows),
     * depthwise tap-major {@code [kh*kw][cout]} so their loop runs over contiguous channels.
     */
    public static final class Weights {
        final float[][] rows;

        public Weights(Conv2D op) {
            int taps = op.kernelH() * op.kernelW(), cout = op.output.channels();
            rows = op.isDepthwise() ? new float[taps][cout] : new float[cout * taps][op.input.channels() / op.groups];
        }

        /** Converts {@code w} (OHWI, from wOff) into these rows. */
        public Weights set(Conv2D op, byte[] w, int wOff) {
            final int taps = op.kernelH() * op.kernelW(), cout = op.output.channels();
            if (op.isDepthwise()) {
                for (int co = 0; co < cout; co++) {
                    for (int t = 0; t < taps; t++) {
                        rows[t][co] = (float) w[wOff + co * taps + t];
                    }
                }
            } else {
                final int len = op.input.channels() / op.groups;
                for (int r = 0; r < rows.length; r++) {
                    final float[] d = rows[r];
                    final int o = wOff + r * len;
                    for (int i = 0; i < len; i++) {
                        d[i] = (float) w[o + i];
                    }
                }
            }
            return this;
        }
    }

    /**
     * Input gradient {@code gX [H, W, cin]} (overwritten, padding taps dropped) from {@code gAcc} and the current
     * int8 weights {@code w} (OHWI, from wOff).
     */
    public static void inputGrad(Conv2D op, byte[] w, int wOff, float[] gAcc, int accOff, float[] gX, int gxOff) {
        inputGrad(op, new Weights(op).set(op, w, wOff), gAcc, accOff, gX, gxOff, new Work());
    }

    /** Input gradient from weights already converted into {@link Weights}, with reusable scratch. */
    public static void inputGrad(Conv2D op, Weights weights, float[] gAcc, int accOff, float[] gX, int gxOff,
            Work work) {
        final int cin = op.input.channels(), cout = op.output.channels(), groups = op.groups;
        final float[][] wr = weights.rows;
        final boolean depthwise = op.isDepthwise();
        final int cinPG = cin / groups, coutPG = cout / groups;
        final ConvWindow win = work.window(op);
        if (depthwise && coutPG == 1) {
            depthwiseInputGrad(wr, gAcc, accOff, cin, win, gX, gxOff, work);
            return;
        }
        final int n = win.inPixels * cin;
        for (int i = 0; i < n; i++) {
            gX[gxOff + i] = 0.0f;
        }
        if (groups == 1) {
            denseInputGrad(wr, gAcc, accOff, cin, cout, win, gX, gxOff, work);
            return;
        }
        for (int o = 0; o < win.outPixels; o++) {
            final int gBase = accOff + o * cout;
            for (int e = win.outStart[o]; e < win.outStart[o + 1]; e++) {
                final int xo = gxOff + win.outIn[e] * cin, t = win.outTap[e];
                if (depthwise) {
                    final float[] wt = wr[t];
                    for (int c = 0; c < cin; c++) {
                        float s = gX[xo + c];
                        for (int m = 0; m < coutPG; m++) {
                            final int co = c * coutPG + m;
                            s += gAcc[gBase + co] * wt[co];
                        }
                        gX[xo + c] = s;
                    }
                    continue;
                }
                for (int co = 0; co < cout; co++) {
                    final float a = gAcc[gBase + co];
                    if (a == 0.0f) {
                        continue;
                    }
                    final int xb = xo + (co / coutPG) * cinPG;
                    final float[] wrow = wr[co * win.taps + t];
                    for (int i = 0; i < cinPG; i++) {
                        gX[xb + i] += a * wrow[i];
                    }
                }
            }
        }
    }

    /**
     * Ungrouped: per output pixel, its nonzero g_acc in channel order are listed once (weight row of the channel,
     * value); each tap then adds that list to its input pixel's row (copied to a private row and back) by
     * {@link #accumulate}. An input pixel gets its terms pixel by pixel and, within a pixel, in channel order.
     */
    private static void denseInputGrad(float[][] wr, float[] gAcc, int accOff, int cin, int cout, ConvWindow win,
            float[] gX, int gxOff, Work work) {
        work.lists(cout);
        final int[] idx = work.idx;
        final float[] coef = work.coef;
        final float[] r = work.row.get(1, cin)[0];
        for (int o = 0; o < win.outPixels; o++) {
            final int gBase = accOff + o * cout;
            int cnt = 0;
            for (int co = 0; co < cout; co++) {
                final float a = gAcc[gBase + co];
                if (a != 0.0f) {
                    idx[cnt] = co * win.taps;
                    coef[cnt++] = a;
                }
            }
            if (cnt == 0) {
                continue;
            }
            for (int e = win.outStart[o]; e < win.outStart[o + 1]; e++) {
                final int xo = gxOff + win.outIn[e] * cin;
                System.arraycopy(gX, xo, r, 0, cin);
                accumulate(r, cin, wr, win.outTap[e], idx, coef, cnt);
                System.arraycopy(r, 0, gX, xo, cin);
            }
        }
    }

    /**
     * Depthwise, multiplier 1, gathered per input pixel: the (output pixel, tap) pairs that reach it, output pixels
     * ascending ({@link ConvWindow}'s input view), summed from +0 in that order by {@link #accumulatePairs}.
     */
    private static void depthwiseInputGrad(float[][] wr, float[] gAcc, int accOff, int ch, ConvWindow win,
            float[] gX, int gxOff, Work work) {
        final float[][] ar = pixelRows(work.acc, gAcc, accOff, win.outPixels, ch);
        final float[] r = work.row.get(1, ch)[0];
        final int[] start = win.inStart(), out = win.inOut(), tap = win.inTap();
        for (int ip = 0; ip < win.inPixels; ip++) {
            java.util.Arrays.fill(r, 0, ch, 0.0f);
            accumulatePairs(r, ch, ar, out, wr, tap, start[ip], start[ip + 1]);
            System.arraycopy(r, 0, gX, gxOff + ip * ch, ch);
        }
    }

    /** Elements of the weight gradient for these kept channels (validated; null = all). */
    public static int weightGradSize(Conv2D op, int[] kept) {
        int[] k = keptChannels(op, kept);
        int taps = op.kernelH() * op.kernelW();
        if (op.isDepthwise()) {
            return k.length * (op.output.channels() / op.input.channels()) * taps;
        }
        return op.output.channels() * taps * (op.groups == 1 ? k.length : op.input.channels() / op.groups);
    }

    /** For each row of the weight gradient (its first dimension), the output channel it belongs to (for QAS). */
    public static int[] weightGradRowChannels(Conv2D op, int[] kept) {
        int[] k = keptChannels(op, kept);
        if (!op.isDepthwise()) {
            int[] rows = new int[op.output.channels()];
            for (int c = 0; c < rows.length; c++) {
                rows[c] = c;
            }
            return rows;
        }
        int mult = op.output.channels() / op.input.channels();
        int[] rows = new int[k.length * mult];
        for (int kk = 0; kk < k.length; kk++) {
            for (int m = 0; m < mult; m++) {
                rows[kk * mult + m] = k[kk] * mult + m;
            }
        }
        return rows;
    }

    /** For each element of the weight gradient, its flat index in the full OHWI weight tensor. */
    public static int[] weightSliceIndex(Conv2D op, int[] kept) {
        int[] k = keptChannels(op, kept);
        int kh = op.kernelH(), kw = op.kernelW(), cin = op.input.channels(), cout = op.output.channels();
        int[] idx = new int[weightGradSize(op, k)];
        int i = 0;
        if (op.isDepthwise()) {
            int mult = cout / cin;
            for (int kk = 0; kk < k.length; kk++) {
                for (int m = 0; m < mult; m++) {
                    int co = k[kk] * mult + m;
                    for (int t = 0; t < kh * kw; t++) {
                        idx[i++] = co * kh * kw + t;
                    }
                }
            }
        } else if (op.groups == 1) {
            for (int co = 0; co < cout; co++) {
                for (int t = 0; t < kh * kw; t++) {
                    for (int kk = 0; kk < k.length; kk++) {
                        idx[i++] = (co * kh * kw + t) * cin + k[kk];
                    }
                }
            }
        } else {
            for (; i < idx.length; i++) {
                idx[i] = i;
            }
        }
        return idx;
    }

    /**
     * The float32 effective scale per output channel that the backward pass multiplies by: the paper's float
     * scales as they are; TFLite's fixed-point multiplier and shift as {@code (float)(M * 2^(shift - 31))}
     * (computed once on the host, in double, then rounded).
     */
    public static float[] effScales(Requant requant, int channels) {
        float[] eff = new float[channels];
        if (requant instanceof Requant.FloatRint f) {
            for (int c = 0; c < channels; c++) {
                eff[c] = f.scales()[f.channels() == 1 ? 0 : c];
            }
        } else if (requant instanceof Requant.FixedPoint fp) {
            for (int c = 0; c < channels; c++) {
                int j = fp.channels() == 1 ? 0 : c;
                eff[c] = (float) (fp.multipliers()[j] * Math.pow(2.0, fp.shifts()[j] - 31));
            }
        }
        return eff;
    }

    /** Kept channels after checking them; null means all. */
    static int[] keptChannels(Conv2D op, int[] kept) {
        int cin = op.input.channels();
        if (kept == null) {
            int[] all = new int[cin];
            for (int i = 0; i < cin; i++) {
                all[i] = i;
            }
            return all;
        }
        if (kept.length == 0) {
            throw new KtException("Conv2D '" + op.name + "': the list of kept input channels is empty");
        }
        for (int i = 0; i < kept.length; i++) {
            if (kept[i] < 0 || kept[i] >= cin || (i > 0 && kept[i] <= kept[i - 1])) {
                throw new KtException("Conv2D '" + op.name + "': kept input channel " + kept[i] + " at position " + i
                        + " is out of [0, " + cin + ") or not in strictly ascending order");
            }
        }
        if (op.groups > 1 && !op.isDepthwise() && kept.length != cin) {
            throw new KtException("Conv2D '" + op.name + "': partial-channel update of a grouped convolution ("
                    + op.groups + " groups) is not supported; train all " + cin + " channels or none");
        }
        return kept;
    }
}
