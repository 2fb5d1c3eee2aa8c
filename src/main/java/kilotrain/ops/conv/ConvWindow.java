package kilotrain.ops.conv;

import kilotrain.ir.Conv2D;

/**
 * The one window walk of the Java convolution kernels that read an unpadded input: which input pixel each (output
 * pixel, tap) reads, taps falling in the padding left out. Computed once per convolution (bind time, or cached in a
 * kernel's scratch) and read three ways, each in the order the bit-exact contract of {@link ConvBackward} needs:
 * <ul>
 * <li>by output pixel ({@link #outStart}, {@link #outTap}, {@link #outIn}): output pixels in raster order, and
 *     within one its taps {@code t = ky*kw + kx} ascending;
 * <li>by tap ({@link #tapStart}, {@link #tapOut}, {@link #tapIn}): for each tap, the output pixels in raster order;
 * <li>by input pixel ({@link #inStart}, {@link #inOut}, {@link #inTap}): for each input pixel, the output pixels
 *     that read it in raster order (one tap each: two taps of one output pixel never read the same input pixel).
 * </ul>
 * Entries of view v for key k are {@code [vStart[k], vStart[k + 1])}. The tap and input views are stable counting
 * sorts of the output view, so they keep its raster order.
 */
final class ConvWindow {
    final int outPixels, inPixels, taps;
    final int[] outStart, outTap, outIn;
    private int[] tapStart, tapOut, tapIn, inStart, inOut, inTap;

    private ConvWindow(Conv2D op) {
        final int inH = op.input.height(), inW = op.input.width();
        final int outH = op.output.height(), outW = op.output.width();
        final int kh = op.kernelH(), kw = op.kernelW(), sh = op.strideH, sw = op.strideW;
        final int dh = op.dilationH, dw = op.dilationW, pt = op.padding.top(), pl = op.padding.left();
        outPixels = outH * outW;
        inPixels = inH * inW;
        taps = kh * kw;
        outStart = new int[outPixels + 1];
        int[] tap = new int[outPixels * taps], in = new int[outPixels * taps];
        int e = 0;
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
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
                        tap[e] = ky * kw + kx;
                        in[e++] = iy * inW + ix;
                    }
                }
                outStart[oy * outW + ox + 1] = e;
            }
        }
        outTap = java.util.Arrays.copyOf(tap, e);
        outIn = java.util.Arrays.copyOf(in, e);
    }

    static ConvWindow of(Conv2D op) {
        return new ConvWindow(op);
    }

    int[] tapStart() {
        byTap();
        return tapStart;
    }

    int[] tapOut() {
        byTap();
        return tapOut;
    }

    int[] tapIn() {
        byTap();
        return tapIn;
    }

    int[] inStart() {
        byInput();
        return inStart;
    }

    int[] inOut() {
        byInput();
        return inOut;
    }

    int[] inTap() {
        byInput();
        return inTap;
    }

    private void byTap() {
        if (tapStart == null) {
            int[][] v = regroup(taps, outTap, outIn);
            tapOut = v[1];
            tapIn = v[2];
            tapStart = v[0];
        }
    }

    private void byInput() {
        if (inStart == null) {
            int[][] v = regroup(inPixels, outIn, outTap);
            inOut = v[1];
            inTap = v[2];
            inStart = v[0];
        }
    }

    /**
     * A stable counting sort of the output view by {@code key}: {start, output pixel, other} with the entries of
     * each key in raster order of their output pixel.
     */
    private int[][] regroup(int keys, int[] key, int[] other) {
        final int n = key.length;
        final int[] start = new int[keys + 1];
        for (int e = 0; e < n; e++) {
            start[key[e] + 1]++;
        }
        for (int k = 0; k < keys; k++) {
            start[k + 1] += start[k];
        }
        final int[] fill = java.util.Arrays.copyOf(start, keys);
        final int[] out = new int[n], oth = new int[n];
        for (int o = 0; o < outPixels; o++) {
            for (int e = outStart[o]; e < outStart[o + 1]; e++) {
                final int d = fill[key[e]]++;
                out[d] = o;
                oth[d] = other[e];
            }
        }
        return new int[][] {start, out, oth};
    }
}
