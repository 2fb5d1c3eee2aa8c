package kilotrain.ops.conv;

import java.util.Arrays;
import kilotrain.ir.Conv2D;
import kilotrain.ops.Scratch;
import kilotrain.ops.requant.Requantizer;

/**
 * Forward int8 convolution of one NHWC sample, prepared once per operator: weights are re-laid out for the loop
 * that runs them and widened to int, the bias and output stage are resolved. The prepared kernel is immutable and
 * shared between threads; callers pass activations as (array, offset) pairs and a per-thread {@link Scratch}, so
 * a planned arena can host every tensor in one array.
 *
 * <p>Arithmetic: {@code acc = bias[o] + sum W * (x - x_zero)}, exact in int32 (padding contributes zero in the
 * zero-point-shifted domain), then the operator's {@link Requantizer}. Loops:
 * <ul>
 * <li>pointwise on at most {@link #FEW_PIXELS} pixels: per pixel, a multiply-add over output channels per input
 * channel (weights transposed);</li>
 * <li>GEMM (groups == 1, pointwise or dense): tiles of {@link #TILE} output pixels are gathered channel-major
 * (row k of K = kh*kw*cin, im2col for k > 1), multiplied by {@code W[cout][K]} with the pixel index
 * innermost (long, branch-free loops the JIT vectorizes) and written back NHWC by the output stage;</li>
 * <li>depthwise: a whole output row of every channel is one contiguous run ({@code ox * C + c}), with the
 * weights of each tap repeated along the row, so each tap is one long vectorizable multiply-add (for strides
 * above one the tap's input pixels are first copied together);</li>
 * <li>any other grouping: a plain loop.</li>
 * </ul>
 */
public final class ConvKernel {
    /** Output pixels per GEMM tile: long enough for vector loops, small enough for the tile to stay in cache. */
    public static final int TILE = 128;
    /**
     * Pointwise convolutions with at most this many pixels (late 8x8 and 4x4 stages, the classifier on the pooled
     * feature) vectorize over output channels instead: pixel-long vectors would be too short.
     */
    public static final int FEW_PIXELS = 64;

    private enum Path { POINTWISE, POINTWISE_FEW, DENSE, DEPTHWISE_ROW, GROUPED }

    public final int inH, inW, cin, outH, outW, cout, kh, kw, strideH, strideW, dilH, dilW, padTop, padLeft, groups;
    public final int xZero;
    private final Path path;
    /** Weights in the layout of {@link #path}. */
    private final int[] w;
    private final int[] bias;
    /** POINTWISE_FEW: the weights transposed, one row per input channel: {@code wIn[i][o]}. */
    private final int[][] wIn;
    /** DEPTHWISE_ROW: the bias, and each tap's weights, repeated along an output row. */
    private final int[] biasRow;
    private final int[][] wRows;
    /** DEPTHWISE_ROW: the output stage tiled along a row (null: requantize per pixel). */
    private final Requantizer rowOut;
    private final Requantizer out;
    /** Padded, zero-point-shifted input geometry (unused by POINTWISE). */
    private final int padH, padW;
    private final int tile;

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
        if (this.bias.length != cout) {
            throw new IllegalArgumentException("conv bias holds " + this.bias.length + " values for " + cout
                    + " channels");
        }
        int cinPerGroup = cin / groups;
        if (weightOhwi.length != cout * kh * kw * cinPerGroup) {
            throw new IllegalArgumentException("conv weights hold " + weightOhwi.length + " values, expected "
                    + cout * kh * kw * cinPerGroup);
        }
        if (groups == 1 && kh == 1 && kw == 1 && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0
                && outH == inH && outW == inW) {
            path = inH * inW <= FEW_PIXELS ? Path.POINTWISE_FEW : Path.POINTWISE;
        } else if (groups == 1) {
            path = Path.DENSE;
        } else if (groups == cin && cout == cin) {
            path = Path.DEPTHWISE_ROW;
        } else {
            path = Path.GROUPED;
        }
        this.padH = Math.max(inH + padTop, (outH - 1) * strideH + (kh - 1) * dilH + 1);
        this.padW = Math.max(inW + padLeft, (outW - 1) * strideW + (kw - 1) * dilW + 1);
        this.tile = Math.min(TILE, outH * outW);
        this.w = layout(weightOhwi);
        if (path == Path.POINTWISE_FEW) {
            wIn = new int[cin][cout];
            for (int o = 0; o < cout; o++) {
                for (int i = 0; i < cin; i++) {
                    wIn[i][o] = w[o * cin + i];
                }
            }
        } else {
            wIn = null;
        }
        if (path == Path.DEPTHWISE_ROW) {
            int row = outW * cout;
            biasRow = new int[row];
            wRows = new int[kh * kw][];
            for (int ox = 0; ox < outW; ox++) {
                System.arraycopy(this.bias, 0, biasRow, ox * cout, cout);
            }
            for (int t = 0; t < kh * kw; t++) {
                wRows[t] = Arrays.copyOfRange(w, t * row, (t + 1) * row);
            }
            rowOut = out.repeated(outW);
        } else {
            biasRow = null;
            wRows = null;
            rowOut = null;
        }
    }

    public static ConvKernel of(Conv2D op) {
        int[] bias = op.bias == null ? null : op.bias.int32Data;
        Requantizer rq = Requantizer.of(op.requant, op.output.channels(), op.output.quant.zeroPoint(), op.actMin,
                op.actMax);
        return of(op, op.weight.int8Data, bias, rq);
    }

    /** A kernel of conv {@code op}'s geometry with the given weights and bias, requantizing through {@code out}. */
    public static ConvKernel of(Conv2D op, byte[] weights, int[] bias, Requantizer out) {
        return new ConvKernel(op.input.height(), op.input.width(), op.input.channels(), op.output.height(),
                op.output.width(), op.output.channels(), op.kernelH(), op.kernelW(), op.strideH, op.strideW,
                op.dilationH, op.dilationW, op.padding.top(), op.padding.left(), op.groups, op.input.quant.zeroPoint(),
                weights, bias, out);
    }

    private int[] layout(byte[] ohwi) {
        int taps = kh * kw;
        switch (path) {
            case DEPTHWISE_ROW -> {
                // [tap][ox][c]: each tap's weights repeated along the output row
                int row = outW * cout;
                int[] r = new int[taps * row];
                for (int t = 0; t < taps; t++) {
                    for (int ox = 0; ox < outW; ox++) {
                        for (int c = 0; c < cout; c++) {
                            r[t * row + ox * cout + c] = ohwi[c * taps + t];
                        }
                    }
                }
                return r;
            }
            default -> {
                // OHWI flattened is exactly W[cout][K] with K ordered (ky, kx, ci), the im2col order
                int[] r = new int[ohwi.length];
                for (int k = 0; k < ohwi.length; k++) {
                    r[k] = ohwi[k];
                }
                return r;
            }
        }
    }

    /** Declares the scratch one call needs. */
    public void reserve(Scratch.Sizer s) {
        int padded = padH * padW * cin;
        switch (path) {
            case POINTWISE -> s.accRows(cout, tile).rows(cin, tile);
            case POINTWISE_FEW -> s.acc(cout);
            case DENSE -> s.accRows(cout, tile).in(padded).rows(kh * kw * cin, tile);
            case DEPTHWISE_ROW -> s.acc(outW * cout).inRows(padH, padW * cin).in(strideW == 1 ? 0 : outW * cout);
            default -> s.acc(cout).in(padded);
        }
    }

    /** One forward pass with scratch sized by {@link #reserve}. */
    public void forward(byte[] x, int xOff, byte[] y, int yOff, Scratch s) {
        switch (path) {
            case POINTWISE -> gemm(x, xOff, null, y, yOff, s.accRows, s.rows);
            case POINTWISE_FEW -> pointwiseFew(x, xOff, y, yOff, s.acc);
            case DENSE -> {
                pad(x, xOff, s.in);
                gemm(null, 0, s.in, y, yOff, s.accRows, s.rows);
            }
            case DEPTHWISE_ROW -> {
                padRows(x, xOff, s.inRows);
                depthwiseRows(s.inRows, y, yOff, s.acc, s.in);
            }
            default -> {
                pad(x, xOff, s.in);
                grouped(s.in, y, yOff, s.acc);
            }
        }
    }

    /** Copies x - x_zero into a zero border so the tap loops need no bounds logic. */
    private void pad(byte[] x, int xOff, int[] p) {
        int pOff = 0;
        int rowLen = padW * cin;
        int z = xZero;
        for (int py = 0; py < padH; py++) {
            int iy = py - padTop;
            int row = pOff + py * rowLen;
            if (iy < 0 || iy >= inH) {
                Arrays.fill(p, row, row + rowLen, 0);
                continue;
            }
            int left = padLeft * cin;
            Arrays.fill(p, row, row + left, 0);
            int src = xOff + iy * inW * cin;
            int dst = row + left;
            int n = inW * cin;
            for (int k = 0; k < n; k++) {
                p[dst + k] = x[src + k] - z;
            }
            Arrays.fill(p, dst + n, row + rowLen, 0);
        }
    }

    /** Like {@link #pad} with one array per padded row, so the depthwise row loop reads at a single offset. */
    private void padRows(byte[] x, int xOff, int[][] rows) {
        int rowLen = padW * cin, left = padLeft * cin, n = inW * cin, z = xZero;
        for (int py = 0; py < padH; py++) {
            int[] row = rows[py];
            int iy = py - padTop;
            if (iy < 0 || iy >= inH) {
                Arrays.fill(row, 0, rowLen, 0);
                continue;
            }
            Arrays.fill(row, 0, left, 0);
            int src = xOff + iy * n;
            for (int k = 0; k < n; k++) {
                row[left + k] = x[src + k] - z;
            }
            Arrays.fill(row, left + n, rowLen, 0);
        }
    }

    /**
     * Tile loop of the GEMM paths. Pointwise gathers from the int8 input directly (x != null); dense gathers
     * im2col columns from the padded int input xp. Row k of the gathered tile is {@code rows[k]}.
     */
    private void gemm(byte[] x, int xOff, int[] xp, byte[] y, int yOff, int[][] acc, int[][] rows) {
        int k = kh * kw * cin, co = cout, t = tile;
        int pixels = outH * outW;
        for (int p0 = 0; p0 < pixels; p0 += t) {
            int n = Math.min(t, pixels - p0);
            if (x != null) {
                gatherPointwise(x, xOff, p0, n, rows);
            } else {
                gatherIm2col(xp, p0, n, rows);
            }
            multiply(rows, n, k, acc);
            for (int o = 0; o < co; o++) {
                out.applyChannel(acc[o], 0, n, o, y, yOff + p0 * co + o, co);
            }
        }
    }

    private void gatherPointwise(byte[] x, int xOff, int p0, int n, int[][] rows) {
        int ci = cin, z = xZero;
        // one channel at a time: a strided read and a contiguous write with no row lookups inside
        for (int i = 0; i < ci; i++) {
            int[] row = rows[i];
            int src = xOff + p0 * ci + i;
            for (int p = 0; p < n; p++) {
                row[p] = x[src + p * ci] - z;
            }
        }
    }

    private void gatherIm2col(int[] xp, int p0, int n, int[][] rows) {
        int ci = cin;
        for (int p = 0; p < n; p++) {
            int oy = (p0 + p) / outW, ox = (p0 + p) - oy * outW;
            for (int ky = 0; ky < kh; ky++) {
                int rowBase = ((oy * strideH + ky * dilH) * padW + ox * strideW) * ci;
                for (int kx = 0; kx < kw; kx++) {
                    int src = rowBase + kx * dilW * ci;
                    int r = (ky * kw + kx) * ci;
                    for (int i = 0; i < ci; i++) {
                        rows[r + i][p] = xp[src + i];
                    }
                }
            }
        }
    }

    /** {@code acc[o][p] = bias[o] + sum_k W[o][k] * rows[k][p]}, four k per pass to cut accumulator traffic. */
    private void multiply(int[][] rows, int n, int k, int[][] acc) {
        int[] wt = w;
        int k4 = k & ~3;
        for (int o = 0; o < cout; o++) {
            int[] a = acc[o];
            Arrays.fill(a, 0, n, bias[o]);
            int wo = o * k;
            for (int kk = 0; kk < k4; kk += 4) {
                multiplyAdd4(a, rows[kk], rows[kk + 1], rows[kk + 2], rows[kk + 3], wt[wo + kk], wt[wo + kk + 1],
                        wt[wo + kk + 2], wt[wo + kk + 3], n);
            }
            for (int kk = k4; kk < k; kk++) {
                multiplyAdd1(a, rows[kk], wt[wo + kk], n);
            }
        }
    }

    static void multiplyAdd4(int[] acc, int[] r0, int[] r1, int[] r2, int[] r3, int w0, int w1, int w2,
            int w3, int n) {
        for (int p = 0; p < n; p++) {
            acc[p] += w0 * r0[p] + w1 * r1[p] + w2 * r2[p] + w3 * r3[p];
        }
    }

    static void multiplyAdd1(int[] acc, int[] r0, int w0, int n) {
        for (int p = 0; p < n; p++) {
            acc[p] += w0 * r0[p];
        }
    }

    /**
     * Whole output rows at once. With stride 1 a tap's inputs for the row are one contiguous run of the padded
     * row; with a larger stride they are first copied together (one arraycopy per pixel) into {@code strided}.
     */
    /** Per pixel, {@code acc[o] = bias[o] + sum_i (x[i] - z) * wIn[i][o]}, four input channels per pass. */
    private void pointwiseFew(byte[] x, int xOff, byte[] y, int yOff, int[] acc) {
        int ci = cin, co = cout, z = xZero, c4 = ci & ~3;
        int pixels = inH * inW;
        for (int p = 0; p < pixels; p++) {
            System.arraycopy(bias, 0, acc, 0, co);
            int xo = xOff + p * ci;
            for (int i = 0; i < c4; i += 4) {
                int x0 = x[xo + i] - z, x1 = x[xo + i + 1] - z, x2 = x[xo + i + 2] - z, x3 = x[xo + i + 3] - z;
                multiplyAdd4(acc, wIn[i], wIn[i + 1], wIn[i + 2], wIn[i + 3], x0, x1, x2, x3, co);
            }
            for (int i = c4; i < ci; i++) {
                multiplyAdd1(acc, wIn[i], x[xo + i] - z, co);
            }
            out.apply(acc, 0, co, 0, y, yOff + p * co);
        }
    }

    private void depthwiseRows(int[][] xp, byte[] y, int yOff, int[] acc, int[] strided) {
        int c = cout, row = outW * c, step = strideW * c;
        for (int oy = 0; oy < outH; oy++) {
            System.arraycopy(biasRow, 0, acc, 0, row);
            int ky0 = 0;
            if (strideW == 1) {
                // three kernel rows per pass: three input rows at one offset keep the loop vectorizable and
                // cut the accumulator loads and stores threefold
                for (; ky0 + 3 <= kh; ky0 += 3) {
                    int[] x0r = xp[oy * strideH + ky0 * dilH];
                    int[] x1r = xp[oy * strideH + (ky0 + 1) * dilH];
                    int[] x2r = xp[oy * strideH + (ky0 + 2) * dilH];
                    for (int kx = 0; kx < kw; kx++) {
                        tapRows3(acc, wRows[ky0 * kw + kx], wRows[(ky0 + 1) * kw + kx], wRows[(ky0 + 2) * kw + kx],
                                x0r, x1r, x2r, kx * dilW * c, row);
                    }
                }
            }
            for (int ky = ky0; ky < kh; ky++) {
                int[] xr = xp[oy * strideH + ky * dilH];
                for (int kx = 0; kx < kw; kx++) {
                    int x0 = kx * dilW * c;
                    if (strideW == 1) {
                        tapRow(acc, wRows[ky * kw + kx], xr, x0, row);
                    } else {
                        for (int ox = 0, src = x0; ox < outW; ox++, src += step) {
                            System.arraycopy(xr, src, strided, ox * c, c);
                        }
                        tapRow(acc, wRows[ky * kw + kx], strided, 0, row);
                    }
                }
            }
            int yo = yOff + oy * row;
            if (rowOut != null) {
                rowOut.apply(acc, 0, row, 0, y, yo);
            } else {
                for (int ox = 0; ox < outW; ox++) {
                    out.apply(acc, ox * c, c, 0, y, yo + ox * c);
                }
            }
        }
    }

    private static void tapRows3(int[] acc, int[] w0, int[] w1, int[] w2, int[] x0, int[] x1, int[] x2, int xo,
            int n) {
        for (int j = 0; j < n; j++) {
            acc[j] += w0[j] * x0[xo + j] + w1[j] * x1[xo + j] + w2[j] * x2[xo + j];
        }
    }

    private static void tapRow(int[] acc, int[] w, int[] x, int xo, int n) {
        for (int j = 0; j < n; j++) {
            acc[j] += w[j] * x[xo + j];
        }
    }

    private void grouped(int[] xp, byte[] y, int yOff, int[] acc) {
        int cinG = cin / groups, coutG = cout / groups, taps = kh * kw;
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                for (int o = 0; o < cout; o++) {
                    int g = o / coutG;
                    int s = bias[o];
                    for (int ky = 0; ky < kh; ky++) {
                        for (int kx = 0; kx < kw; kx++) {
                            int xb = ((oy * strideH + ky * dilH) * padW + ox * strideW + kx * dilW) * cin
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
