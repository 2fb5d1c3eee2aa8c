package kilotrain.ops.conv;

import kilotrain.ir.Conv2D;
import kilotrain.ops.requant.Requantizer;

/**
 * Forward int8 convolution of one NHWC sample, prepared once per operator: weights are re-laid out for the loop
 * that runs them and widened to int, the bias and output stage are resolved. The prepared kernel is immutable and
 * shared between threads; callers pass the activations as (array, offset) pairs and an int scratch of
 * {@link #scratchInts()} values, so a planned arena can host every tensor in one array.
 *
 * <p>Arithmetic: {@code acc = bias[o] + sum W * (x - x_zero)} exactly in int32 (padding contributes zero in
 * the zero-point-shifted domain), then the operator's {@link Requantizer}. Three loops share it: depthwise
 * (one channel per group), dense (groups == 1, an outer product per input value so the inner loop runs over
 * output channels) and a plain grouped fallback.
 */
public final class ConvKernel {
    private enum Path { POINTWISE, DEPTHWISE, DENSE, GROUPED }

    public final int inH, inW, cin, outH, outW, cout, kh, kw, strideH, strideW, dilH, dilW, padTop, padLeft, groups;
    public final int xZero;
    private final Path path;
    /** Weights in the layout of {@link #path}. */
    private final int[] w;
    private final int[] bias;
    private final Requantizer out;
    /** Padded, zero-point-shifted input geometry (unused by POINTWISE). */
    private final int padH, padW;

    public ConvKernel(int inH, int inW, int cin, int outH, int outW, int cout, int kh, int kw, int strideH,
            int strideW, int dilH, int dilW, int padTop, int padLeft, int groups, int xZero, byte[] weightOhwi,
            int[] bias, Requantizer out) {
        this.inH = inH;
        this.inW = inW;
        this.cin = cin;
        this.outH = outH;
        this.outW = outW;
        this.cout = cout;
        this.kh = kh;
        this.kw = kw;
        this.strideH = strideH;
        this.strideW = strideW;
        this.dilH = dilH;
        this.dilW = dilW;
        this.padTop = padTop;
        this.padLeft = padLeft;
        this.groups = groups;
        this.xZero = xZero;
        this.out = out;
        this.bias = bias == null ? new int[cout] : bias.clone();
        int cinPerGroup = cin / groups;
        if (weightOhwi.length != cout * kh * kw * cinPerGroup) {
            throw new IllegalArgumentException("conv weights hold " + weightOhwi.length + " values, expected "
                    + cout * kh * kw * cinPerGroup);
        }
        if (groups == 1 && kh == 1 && kw == 1 && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0
                && outH == inH && outW == inW) {
            path = Path.POINTWISE;
        } else if (groups == 1) {
            path = Path.DENSE;
        } else if (groups == cin && cout == cin) {
            path = Path.DEPTHWISE;
        } else {
            path = Path.GROUPED;
        }
        this.padH = Math.max(inH + padTop, (outH - 1) * strideH + (kh - 1) * dilH + 1);
        this.padW = Math.max(inW + padLeft, (outW - 1) * strideW + (kw - 1) * dilW + 1);
        this.w = layout(weightOhwi, cinPerGroup);
    }

    public static ConvKernel of(Conv2D op) {
        int[] bias = op.bias == null ? null : op.bias.int32Data;
        Requantizer rq = Requantizer.of(op.requant, op.output.channels(), op.output.quant.zeroPoint(), op.actMin,
                op.actMax);
        return new ConvKernel(op.input.height(), op.input.width(), op.input.channels(), op.output.height(),
                op.output.width(), op.output.channels(), op.kernelH(), op.kernelW(), op.strideH, op.strideW,
                op.dilationH, op.dilationW, op.padding.top(), op.padding.left(), op.groups, op.input.quant.zeroPoint(),
                op.weight.int8Data, bias, rq);
    }

    private int[] layout(byte[] ohwi, int cinPerGroup) {
        int taps = kh * kw;
        int[] r = new int[ohwi.length];
        switch (path) {
            case POINTWISE, DENSE -> {
                // [tap][cin][cout]: the innermost loop runs over output channels
                for (int o = 0; o < cout; o++) {
                    for (int t = 0; t < taps; t++) {
                        for (int i = 0; i < cin; i++) {
                            r[(t * cin + i) * cout + o] = ohwi[(o * taps + t) * cin + i];
                        }
                    }
                }
            }
            case DEPTHWISE -> {
                // [tap][c]
                for (int c = 0; c < cout; c++) {
                    for (int t = 0; t < taps; t++) {
                        r[t * cout + c] = ohwi[c * taps + t];
                    }
                }
            }
            default -> {
                for (int k = 0; k < ohwi.length; k++) {
                    r[k] = ohwi[k];
                }
            }
        }
        return r;
    }

    /** Ints of scratch one call needs: the accumulator row plus the padded input. */
    public int scratchInts() {
        return cout + (path == Path.POINTWISE ? 0 : padH * padW * cin);
    }

    public void forward(byte[] x, int xOff, byte[] y, int yOff, int[] scratch) {
        switch (path) {
            case POINTWISE -> pointwise(x, xOff, y, yOff, scratch);
            case DENSE -> {
                pad(x, xOff, scratch, cout);
                dense(scratch, cout, y, yOff, scratch);
            }
            case DEPTHWISE -> {
                pad(x, xOff, scratch, cout);
                depthwise(scratch, cout, y, yOff, scratch);
            }
            default -> {
                pad(x, xOff, scratch, cout);
                grouped(scratch, cout, y, yOff, scratch);
            }
        }
    }

    /** Copies x - x_zero into a zero border so the tap loops need no bounds logic. */
    private void pad(byte[] x, int xOff, int[] p, int pOff) {
        int rowLen = padW * cin;
        int z = xZero;
        for (int py = 0; py < padH; py++) {
            int iy = py - padTop;
            int row = pOff + py * rowLen;
            if (iy < 0 || iy >= inH) {
                java.util.Arrays.fill(p, row, row + rowLen, 0);
                continue;
            }
            int left = padLeft * cin;
            java.util.Arrays.fill(p, row, row + left, 0);
            int src = xOff + iy * inW * cin;
            int dst = row + left;
            int n = inW * cin;
            for (int k = 0; k < n; k++) {
                p[dst + k] = x[src + k] - z;
            }
            java.util.Arrays.fill(p, dst + n, row + rowLen, 0);
        }
    }

    private void pointwise(byte[] x, int xOff, byte[] y, int yOff, int[] acc) {
        int ci = cin, co = cout, z = xZero;
        int[] wt = w;
        int pixels = inH * inW;
        for (int p = 0; p < pixels; p++) {
            System.arraycopy(bias, 0, acc, 0, co);
            int xo = xOff + p * ci;
            for (int i = 0; i < ci; i++) {
                int xv = x[xo + i] - z;
                if (xv != 0) {
                    axpy(acc, xv, wt, i * co, co);
                }
            }
            out.apply(acc, 0, co, 0, y, yOff + p * co);
        }
    }

    private static void axpy(int[] acc, int a, int[] w, int wOff, int n) {
        for (int o = 0; o < n; o++) {
            acc[o] += a * w[wOff + o];
        }
    }

    private void dense(int[] xp, int xpOff, byte[] y, int yOff, int[] acc) {
        int ci = cin, co = cout;
        int[] wt = w;
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                System.arraycopy(bias, 0, acc, 0, co);
                for (int ky = 0; ky < kh; ky++) {
                    int rowBase = xpOff + ((oy * strideH + ky * dilH) * padW + ox * strideW) * ci;
                    for (int kx = 0; kx < kw; kx++) {
                        int xb = rowBase + kx * dilW * ci;
                        int wb = (ky * kw + kx) * ci * co;
                        for (int i = 0; i < ci; i++) {
                            int xv = xp[xb + i];
                            if (xv != 0) {
                                axpy(acc, xv, wt, wb + i * co, co);
                            }
                        }
                    }
                }
                out.apply(acc, 0, co, 0, y, yOff + (oy * outW + ox) * co);
            }
        }
    }

    private void depthwise(int[] xp, int xpOff, byte[] y, int yOff, int[] acc) {
        int c = cout;
        int[] wt = w;
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                System.arraycopy(bias, 0, acc, 0, c);
                for (int ky = 0; ky < kh; ky++) {
                    int rowBase = xpOff + ((oy * strideH + ky * dilH) * padW + ox * strideW) * c;
                    for (int kx = 0; kx < kw; kx++) {
                        int xb = rowBase + kx * dilW * c;
                        int wb = (ky * kw + kx) * c;
                        for (int k = 0; k < c; k++) {
                            acc[k] += wt[wb + k] * xp[xb + k];
                        }
                    }
                }
                out.apply(acc, 0, c, 0, y, yOff + (oy * outW + ox) * c);
            }
        }
    }

    private void grouped(int[] xp, int xpOff, byte[] y, int yOff, int[] acc) {
        int cinG = cin / groups, coutG = cout / groups, taps = kh * kw;
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                for (int o = 0; o < cout; o++) {
                    int g = o / coutG;
                    int s = bias[o];
                    for (int ky = 0; ky < kh; ky++) {
                        for (int kx = 0; kx < kw; kx++) {
                            int xb = xpOff + ((oy * strideH + ky * dilH) * padW + ox * strideW + kx * dilW) * cin
                                    + g * cinG;
                            int wb = (o * taps + ky * kw + kx) * cinG;
                            for (int i = 0; i < cinG; i++) {
                                s += w[wb + i] * xp[xb + i];
                            }
                        }
                    }
                    acc[o] = s;
                }
                out.apply(acc, 0, cout, 0, y, yOff + (oy * outW + ox) * cout);
            }
        }
    }
}
