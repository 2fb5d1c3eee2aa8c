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
     * Weight gradient (overwritten) for the kept input channels ({@code null}: all). {@code x} is the saved int8
     * input holding only the kept channels ({@code [H, W, kept.length]}), zero point {@code op.input}'s.
     * Layout of gW: see the class comment and {@link #weightGradSize}.
     */
    public static void weightGrad(Conv2D op, byte[] x, int xOff, float[] gAcc, int accOff, int[] kept,
            float[] gW, int gwOff) {
        final int inH = op.input.height(), inW = op.input.width(), cin = op.input.channels();
        final int outH = op.output.height(), outW = op.output.width(), cout = op.output.channels();
        final int kh = op.kernelH(), kw = op.kernelW(), sh = op.strideH, sw = op.strideW;
        final int dh = op.dilationH, dw = op.dilationW, pt = op.padding.top(), pl = op.padding.left();
        final int groups = op.groups, zx = op.input.quant.zeroPoint();
        final int[] k = keptChannels(op, kept);
        final int nk = k.length;
        final int size = weightGradSize(op, k);
        final int xStride = groups == 1 || op.isDepthwise() ? nk : cin;
        // (float)(x - zx) is exact, so converting the whole input once changes no result (C may convert inline).
        final float[] xf = new float[inH * inW * xStride];
        for (int i = 0; i < xf.length; i++) {
            xf[i] = (float) (x[xOff + i] - zx);
        }
        if (op.isDepthwise()) {
            depthwiseWeightGrad(k, xf, gAcc, accOff, inH, inW, cin, outH, outW, cout, kh, kw, sh, sw, dh, dw, pt, pl,
                    gW, gwOff);
            return;
        }
        for (int i = 0; i < size; i++) {
            gW[gwOff + i] = 0.0f;
        }
        if (groups == 1 && kh == 1 && kw == 1 && pt == 0 && pl == 0) {
            pointwiseWeightGrad(xf, gAcc, accOff, inW, outH, outW, cout, sh, sw, nk, gW, gwOff);
            return;
        }
        // Dense (groups == 1: x holds the nk kept channels) or grouped over all channels (x holds cin).
        final int cinPG = groups == 1 ? nk : cin / groups;
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
     * Depthwise: sums kept in a tap-major accumulator {@code t[tap][row]} so the inner loop runs over contiguous
     * channels, then transposed into {@code gW [row][tap]}; each element's terms still arrive in pixel order.
     */
    private static void depthwiseWeightGrad(int[] k, float[] xf, float[] gAcc, int accOff, int inH, int inW,
            int cin, int outH, int outW, int cout, int kh, int kw, int sh, int sw, int dh, int dw, int pt, int pl,
            float[] gW, int gwOff) {
        final int nk = k.length, mult = cout / cin, rows = nk * mult, taps = kh * kw;
        final boolean all = nk == cin;
        final float[] t = new float[taps * rows];
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
                                final int cb = gBase + k[kk] * mult;
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

    /**
     * 1x1, unpadded, ungrouped: {@code gW[co, j] = sum_p gAcc[p, co] * xf[in(p), j]}, four output pixels per
     * pass over gW (each element still receives its terms in pixel order).
     */
    private static void pointwiseWeightGrad(float[] xf, float[] gAcc, int accOff, int inW, int outH, int outW,
            int cout, int sh, int sw, int nk, float[] gW, int gwOff) {
        final int pixels = outH * outW;
        int p = 0;
        for (; p + 4 <= pixels; p += 4) {
            final int x0 = inPixel(p, outW, inW, sh, sw) * nk;
            final int x1 = inPixel(p + 1, outW, inW, sh, sw) * nk;
            final int x2 = inPixel(p + 2, outW, inW, sh, sw) * nk;
            final int x3 = inPixel(p + 3, outW, inW, sh, sw) * nk;
            final int g0 = accOff + p * cout;
            for (int co = 0; co < cout; co++) {
                final float a0 = gAcc[g0 + co];
                final float a1 = gAcc[g0 + cout + co];
                final float a2 = gAcc[g0 + 2 * cout + co];
                final float a3 = gAcc[g0 + 3 * cout + co];
                final int wo = gwOff + co * nk;
                for (int j = 0; j < nk; j++) {
                    float s = gW[wo + j];
                    s += a0 * xf[x0 + j];
                    s += a1 * xf[x1 + j];
                    s += a2 * xf[x2 + j];
                    s += a3 * xf[x3 + j];
                    gW[wo + j] = s;
                }
            }
        }
        for (; p < pixels; p++) {
            final int x0 = inPixel(p, outW, inW, sh, sw) * nk;
            final int g0 = accOff + p * cout;
            for (int co = 0; co < cout; co++) {
                final float a0 = gAcc[g0 + co];
                final int wo = gwOff + co * nk;
                for (int j = 0; j < nk; j++) {
                    gW[wo + j] += a0 * xf[x0 + j];
                }
            }
        }
    }

    private static int inPixel(int p, int outW, int inW, int sh, int sw) {
        return (p / outW) * sh * inW + (p % outW) * sw;
    }

    /**
     * Input gradient {@code gX [H, W, cin]} (overwritten, padding taps dropped) from {@code gAcc} and the current
     * int8 weights {@code w} (OHWI, from wOff).
     */
    public static void inputGrad(Conv2D op, byte[] w, int wOff, float[] gAcc, int accOff, float[] gX, int gxOff) {
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
        final int cinPG = cin / groups, coutPG = cout / groups, taps = kh * kw;
        // Exact int8 -> float conversion hoisted out of the loops; depthwise weights stored tap-major [tap][co].
        final float[] wf = new float[cout * taps * cinPG];
        for (int i = 0; i < wf.length; i++) {
            wf[depthwise ? (i % taps) * cout + i / taps : i] = (float) w[wOff + i];
        }
        if (groups == 1 && kh == 1 && kw == 1 && pt == 0 && pl == 0) {
            pointwiseInputGrad(wf, gAcc, accOff, inW, outH, outW, cin, cout, sh, sw, gX, gxOff);
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
     * 1x1, unpadded, ungrouped: distinct output pixels feed distinct input pixels, so four pixels at a time share
     * each weight row; every gX element still sums its output channels in ascending order.
     */
    private static void pointwiseInputGrad(float[] wf, float[] gAcc, int accOff, int inW, int outH, int outW,
            int cin, int cout, int sh, int sw, float[] gX, int gxOff) {
        final int pixels = outH * outW;
        // Each input pixel has exactly one output pixel here, so its sum starts at +0 in a private row (separate
        // arrays let the JIT vectorize the four updates).
        final float[] r0 = new float[cin], r1 = new float[cin], r2 = new float[cin], r3 = new float[cin];
        int p = 0;
        for (; p + 4 <= pixels; p += 4) {
            java.util.Arrays.fill(r0, 0.0f);
            java.util.Arrays.fill(r1, 0.0f);
            java.util.Arrays.fill(r2, 0.0f);
            java.util.Arrays.fill(r3, 0.0f);
            final int g0 = accOff + p * cout;
            for (int co = 0; co < cout; co++) {
                final float a0 = gAcc[g0 + co];
                final float a1 = gAcc[g0 + cout + co];
                final float a2 = gAcc[g0 + 2 * cout + co];
                final float a3 = gAcc[g0 + 3 * cout + co];
                final int wo = co * cin;
                for (int i = 0; i < cin; i++) {
                    final float wv = wf[wo + i];
                    r0[i] += a0 * wv;
                    r1[i] += a1 * wv;
                    r2[i] += a2 * wv;
                    r3[i] += a3 * wv;
                }
            }
            System.arraycopy(r0, 0, gX, gxOff + inPixel(p, outW, inW, sh, sw) * cin, cin);
            System.arraycopy(r1, 0, gX, gxOff + inPixel(p + 1, outW, inW, sh, sw) * cin, cin);
            System.arraycopy(r2, 0, gX, gxOff + inPixel(p + 2, outW, inW, sh, sw) * cin, cin);
            System.arraycopy(r3, 0, gX, gxOff + inPixel(p + 3, outW, inW, sh, sw) * cin, cin);
        }
        for (; p < pixels; p++) {
            final int x0 = gxOff + inPixel(p, outW, inW, sh, sw) * cin;
            final int g0 = accOff + p * cout;
            for (int co = 0; co < cout; co++) {
                final float a0 = gAcc[g0 + co];
                final int wo = co * cin;
                for (int i = 0; i < cin; i++) {
                    gX[x0 + i] += a0 * wf[wo + i];
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
