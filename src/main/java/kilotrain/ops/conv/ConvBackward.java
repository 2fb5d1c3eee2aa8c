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
        boolean perChannel = eff.length != 1;
        int i = 0;
        for (int p = 0; p < pixels; p++) {
            for (int c = 0; c < channels; c++, i++) {
                boolean pass = ((mask[maskOff + (i >>> 3)] >>> (i & 7)) & 1) != 0;
                gAcc[accOff + i] = pass ? gY[gyOff + i] * eff[perChannel ? c : 0] : 0.0f;
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
     * One per thread (not shared).
     */
    public static final class Work {
        private float[] xf = new float[0];
        private float[] taps = new float[0];
        private float[] coef = new float[0];
        private int[] off = new int[0];

        float[] xf(int n) {
            if (xf.length < n) {
                xf = new float[n];
            }
            return xf;
        }

        float[] taps(int n) {
            if (taps.length < n) {
                taps = new float[n];
            }
            return taps;
        }

        /** Room for term lists of n entries ({@link #off}, {@link #coef}). */
        void lists(int n) {
            if (off.length < n) {
                off = new int[n];
                coef = new float[n];
            }
        }
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
        final int inH = op.input.height(), inW = op.input.width(), cin = op.input.channels();
        final int outH = op.output.height(), outW = op.output.width(), cout = op.output.channels();
        final int kh = op.kernelH(), kw = op.kernelW(), sh = op.strideH, sw = op.strideW;
        final int dh = op.dilationH, dw = op.dilationW, pt = op.padding.top(), pl = op.padding.left();
        final int groups = op.groups, zx = op.input.quant.zeroPoint();
        final int[] k = kept == null ? null : keptChannels(op, kept);
        final int nk = k == null ? cin : k.length;
        final int xStride = groups == 1 || op.isDepthwise() ? nk : cin;
        // (float)(x - zx) is exact, so converting the whole input once changes no result (C may convert inline).
        final int xn = inH * inW * xStride;
        final float[] xf = work.xf(xn);
        for (int i = 0; i < xn; i++) {
            xf[i] = (float) (x[xOff + i] - zx);
        }
        if (op.isDepthwise()) {
            depthwiseWeightGrad(k, nk, xf, gAcc, accOff, inH, inW, cin, outH, outW, cout, kh, kw, sh, sw, dh, dw, pt,
                    pl, gW, gwOff, work);
            return;
        }
        final int cinPG = groups == 1 ? nk : cin / groups;
        final int size = cout * kh * kw * cinPG;
        for (int i = 0; i < size; i++) {
            gW[gwOff + i] = 0.0f;
        }
        if (groups == 1) {
            denseWeightGrad(xf, gAcc, accOff, inH, inW, outH, outW, cout, kh, kw, sh, sw, dh, dw, pt, pl, nk, gW,
                    gwOff, work);
            return;
        }
        // Grouped over all channels (x holds cin).
        final int coutPG = cout / groups;
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                final int gBase = accOff + (oy * outW + ox) * cout;
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
                        final int xo = (iy * inW + ix) * xStride;
                        for (int co = 0; co < cout; co++) {
                            final float a = gAcc[gBase + co];
                            if (a == 0.0f) {
                                continue;
                            }
                            final int xb = xo + (co / coutPG) * cinPG;
                            final int wo = gwOff + ((co * kh + ky) * kw + kx) * cinPG;
                            for (int j = 0; j < cinPG; j++) {
                                gW[wo + j] += a * xf[xb + j];
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Ungrouped: for each weight row (co, ky, kx), the nonzero terms in pixel order are listed (input row offset,
     * g_acc), then added to the row by {@link #accumulate}, which keeps that order for every element.
     */
    private static void denseWeightGrad(float[] xf, float[] gAcc, int accOff, int inH, int inW, int outH, int outW,
            int cout, int kh, int kw, int sh, int sw, int dh, int dw, int pt, int pl, int nk, float[] gW, int gwOff,
            Work work) {
        work.lists(outH * outW);
        final int[] off = work.off;
        final float[] coef = work.coef;
        for (int co = 0; co < cout; co++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int cnt = 0;
                    for (int oy = 0; oy < outH; oy++) {
                        final int iy = oy * sh - pt + ky * dh;
                        if (iy < 0 || iy >= inH) {
                            continue;
                        }
                        final int g = accOff + oy * outW * cout + co;
                        for (int ox = 0; ox < outW; ox++) {
                            final int ix = ox * sw - pl + kx * dw;
                            final float a = gAcc[g + ox * cout];
                            if (ix < 0 || ix >= inW || a == 0.0f) {
                                continue;
                            }
                            off[cnt] = (iy * inW + ix) * nk;
                            coef[cnt++] = a;
                        }
                    }
                    accumulate(gW, gwOff + ((co * kh + ky) * kw + kx) * nk, nk, xf, 0, off, coef, cnt);
                }
            }
        }
    }

    /**
     * {@code dst[d+i] = (((dst[d+i] + coef[0]*src[base+off[0]+i]) + coef[1]*src[...]) + ...)} for i < n: the terms
     * added one by one in list order, four list entries per pass over the row so the row is loaded and stored a
     * quarter as often (the vectorized loop runs over i, so each element's order is untouched).
     */
    static void accumulate(float[] dst, int d, int n, float[] src, int base, int[] off, float[] coef, int cnt) {
        int j = 0;
        for (; j + 4 <= cnt; j += 4) {
            final float a0 = coef[j], a1 = coef[j + 1], a2 = coef[j + 2], a3 = coef[j + 3];
            final int o0 = base + off[j], o1 = base + off[j + 1], o2 = base + off[j + 2], o3 = base + off[j + 3];
            for (int i = 0; i < n; i++) {
                float s = dst[d + i];
                s += a0 * src[o0 + i];
                s += a1 * src[o1 + i];
                s += a2 * src[o2 + i];
                s += a3 * src[o3 + i];
                dst[d + i] = s;
            }
        }
        for (; j < cnt; j++) {
            final float a = coef[j];
            final int o = base + off[j];
            for (int i = 0; i < n; i++) {
                dst[d + i] += a * src[o + i];
            }
        }
    }

    /**
     * Depthwise: sums kept in a tap-major accumulator {@code t[tap][row]} so the inner loop runs over contiguous
     * channels, then transposed into {@code gW [row][tap]}; each element's terms still arrive in pixel order.
     * {@code k} null means all channels.
     */
    private static void depthwiseWeightGrad(int[] k, int nk, float[] xf, float[] gAcc, int accOff, int inH, int inW,
            int cin, int outH, int outW, int cout, int kh, int kw, int sh, int sw, int dh, int dw, int pt, int pl,
            float[] gW, int gwOff, Work work) {
        final int mult = cout / cin, rows = nk * mult, taps = kh * kw;
        final boolean all = nk == cin;
        final float[] t = work.taps(taps * rows);
        java.util.Arrays.fill(t, 0, taps * rows, 0.0f);
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                final int gBase = accOff + (oy * outW + ox) * cout;
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
                        final int xo = (iy * inW + ix) * nk;
                        final int tb = (ky * kw + kx) * rows;
                        if (mult == 1 && all) {
                            for (int c = 0; c < nk; c++) {
                                t[tb + c] += gAcc[gBase + c] * xf[xo + c];
                            }
                        } else {
                            for (int kk = 0; kk < nk; kk++) {
                                final float xv = xf[xo + kk];
                                final int cb = gBase + (k == null ? kk : k[kk]) * mult;
                                final int rb = tb + kk * mult;
                                for (int m = 0; m < mult; m++) {
                                    t[rb + m] += gAcc[cb + m] * xv;
                                }
                            }
                        }
                    }
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            for (int tap = 0; tap < taps; tap++) {
                gW[gwOff + r * taps + tap] = t[tap * rows + r];
            }
        }
    }

    /** Elements of the float weights {@link #inputGrad(Conv2D, float[], float[], int, float[], int, Work)} reads. */
    public static int floatWeightsSize(Conv2D op) {
        return op.output.channels() * op.kernelH() * op.kernelW() * (op.input.channels() / op.groups);
    }

    /**
     * The int8 weights {@code w} (OHWI, from wOff) as the floats the input gradient multiplies by (an exact
     * conversion, done once per weight version instead of per call); depthwise weights are stored tap-major
     * {@code [tap][co]} so their loop runs over contiguous channels. Fills {@code wf} (at least
     * {@link #floatWeightsSize} long).
     */
    public static void floatWeights(Conv2D op, byte[] w, int wOff, float[] wf) {
        final int n = floatWeightsSize(op), taps = op.kernelH() * op.kernelW(), cout = op.output.channels();
        if (op.isDepthwise()) {
            for (int i = 0; i < n; i++) {
                wf[(i % taps) * cout + i / taps] = (float) w[wOff + i];
            }
        } else {
            for (int i = 0; i < n; i++) {
                wf[i] = (float) w[wOff + i];
            }
        }
    }

    public static float[] floatWeights(Conv2D op, byte[] w, int wOff) {
        float[] wf = new float[floatWeightsSize(op)];
        floatWeights(op, w, wOff, wf);
        return wf;
    }

    /**
     * Input gradient {@code gX [H, W, cin]} (overwritten, padding taps dropped) from {@code gAcc} and the current
     * int8 weights {@code w} (OHWI, from wOff).
     */
    public static void inputGrad(Conv2D op, byte[] w, int wOff, float[] gAcc, int accOff, float[] gX, int gxOff) {
        inputGrad(op, floatWeights(op, w, wOff), gAcc, accOff, gX, gxOff, new Work());
    }

    /** Input gradient from weights already converted by {@link #floatWeights(Conv2D, byte[], int, float[])}. */
    public static void inputGrad(Conv2D op, float[] wf, float[] gAcc, int accOff, float[] gX, int gxOff,
            Work work) {
        final int inH = op.input.height(), inW = op.input.width(), cin = op.input.channels();
        final int outH = op.output.height(), outW = op.output.width(), cout = op.output.channels();
        final int kh = op.kernelH(), kw = op.kernelW(), sh = op.strideH, sw = op.strideW;
        final int dh = op.dilationH, dw = op.dilationW, pt = op.padding.top(), pl = op.padding.left();
        final int groups = op.groups;
        final int n = inH * inW * cin;
        for (int i = 0; i < n; i++) {
            gX[gxOff + i] = 0.0f;
        }
        final boolean depthwise = op.isDepthwise();
        final int cinPG = cin / groups, coutPG = cout / groups;
        if (groups == 1) {
            denseInputGrad(wf, gAcc, accOff, inH, inW, cin, outH, outW, cout, kh, kw, sh, sw, dh, dw, pt, pl, gX,
                    gxOff, work);
            return;
        }
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                final int gBase = accOff + (oy * outW + ox) * cout;
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
                        final int xo = gxOff + (iy * inW + ix) * cin;
                        if (depthwise) {
                            final int tb = (ky * kw + kx) * cout;
                            if (coutPG == 1) {
                                for (int c = 0; c < cin; c++) {
                                    gX[xo + c] += gAcc[gBase + c] * wf[tb + c];
                                }
                            } else {
                                for (int c = 0; c < cin; c++) {
                                    float s = gX[xo + c];
                                    for (int m = 0; m < coutPG; m++) {
                                        final int co = c * coutPG + m;
                                        s += gAcc[gBase + co] * wf[tb + co];
                                    }
                                    gX[xo + c] = s;
                                }
                            }
                            continue;
                        }
                        for (int co = 0; co < cout; co++) {
                            final float a = gAcc[gBase + co];
                            if (a == 0.0f) {
                                continue;
                            }
                            final int xb = xo + (co / coutPG) * cinPG;
                            final int wo = ((co * kh + ky) * kw + kx) * cinPG;
                            for (int i = 0; i < cinPG; i++) {
                                gX[xb + i] += a * wf[wo + i];
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Ungrouped: per output pixel, its nonzero g_acc in channel order are listed once (weight row of the channel,
     * value); each tap then adds that list to its input pixel's row by {@link #accumulate}. An input pixel gets
     * its terms pixel by pixel and, within a pixel, in channel order, as documented.
     */
    private static void denseInputGrad(float[] wf, float[] gAcc, int accOff, int inH, int inW, int cin, int outH,
            int outW, int cout, int kh, int kw, int sh, int sw, int dh, int dw, int pt, int pl, float[] gX,
            int gxOff, Work work) {
        work.lists(cout);
        final int[] off = work.off;
        final float[] coef = work.coef;
        final int rowStride = kh * kw * cin;
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                final int gBase = accOff + (oy * outW + ox) * cout;
                int cnt = 0;
                for (int co = 0; co < cout; co++) {
                    final float a = gAcc[gBase + co];
                    if (a != 0.0f) {
                        off[cnt] = co * rowStride;
                        coef[cnt++] = a;
                    }
                }
                if (cnt == 0) {
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
                        accumulate(gX, gxOff + (iy * inW + ix) * cin, cin, wf, (ky * kw + kx) * cin, off, coef, cnt);
                    }
                }
            }
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
