package kilotrain.ops.conv;

import java.util.Arrays;
import kilotrain.ir.Conv2D;
import kilotrain.ops.requant.Requantizer;

/**
 * A depthwise conv (channel multiplier 1) computed one channel at a time from a padded int8 plane of its input
 * channel: the plane holds the channel's rows and columns framed by the conv's padding, the frame at the input's zero
 * point, and the output channel goes straight into the NHWC output. Used by the fused conv + depthwise pair
 * ({@link ConvDwFused}, where the plane is the first conv's requantized output) and by the in-place depthwise conv
 * ({@link ConvDwInPlace}, where it is a copy of the input channel).
 *
 * <p>Bits: {@code bias[c] + sum_valid w_t * (x_t - x_zero)} is computed as {@code (bias[c] - x_zero * sum_t w_t) +
 * sum_t w_t * v_t} over every tap, frame taps holding {@code v = x_zero}: the same int32 value (int32 wrap-around is
 * modular anyway), through the conv's own {@link Requantizer}, so the results equal {@link ConvKernel}'s.
 */
public final class ConvDwPlane {
    /** Input geometry (the plane's interior) and the conv's. */
    public final int h, w, channels, outH, outW, kh, kw, strideH, strideW, dilH, dilW, padTop, padLeft;
    /** The padded plane: rows and columns. */
    public final int planeH, planeW;
    private final byte xZero;
    private final int[][] dwW;
    private final int[] dwBias;
    private final Requantizer dwOut;

    public ConvDwPlane(Conv2D dw) {
        if (!dw.isDepthwise() || dw.output.channels() != dw.input.channels() || dw.input.quant == null
                || dw.output.quant == null) {
            throw new IllegalArgumentException("conv '" + dw.name + "' is not a quantized depthwise conv with one "
                    + "output channel per input channel");
        }
        h = dw.input.height();
        w = dw.input.width();
        channels = dw.output.channels();
        outH = dw.output.height();
        outW = dw.output.width();
        kh = dw.kernelH();
        kw = dw.kernelW();
        strideH = dw.strideH;
        strideW = dw.strideW;
        dilH = dw.dilationH;
        dilW = dw.dilationW;
        padTop = dw.padding.top();
        padLeft = dw.padding.left();
        planeH = planeH(dw);
        planeW = planeW(dw);
        int z = dw.input.quant.zeroPoint();
        xZero = (byte) z;
        int taps = kh * kw;
        dwW = new int[channels][taps];
        dwBias = new int[channels];
        for (int c = 0; c < channels; c++) {
            int sum = 0;
            for (int t = 0; t < taps; t++) {
                dwW[c][t] = dw.weight.int8Data[c * taps + t];
                sum += dwW[c][t];
            }
            dwBias[c] = (dw.bias == null ? 0 : dw.bias.int32Data[c]) - z * sum;
        }
        dwOut = Requantizer.of(dw.requant, channels, dw.output.quant.zeroPoint(), dw.actMin, dw.actMax);
    }

    /** Rows of the padded plane: every row a tap reads, and at least the input's rows after the top padding. */
    public static int planeH(Conv2D dw) {
        return Math.max(dw.input.height() + dw.padding.top(),
                (dw.output.height() - 1) * dw.strideH + (dw.kernelH() - 1) * dw.dilationH + 1);
    }

    public static int planeW(Conv2D dw) {
        return Math.max(dw.input.width() + dw.padding.left(),
                (dw.output.width() - 1) * dw.strideW + (dw.kernelW() - 1) * dw.dilationW + 1);
    }

    /** Bytes of the plane buffer. */
    public static int planeElements(Conv2D dw) {
        return planeH(dw) * planeW(dw);
    }

    /** Fills the whole plane with the input's zero point (the frame keeps it; each channel rewrites the interior). */
    public void frame(byte[] plane, int pOff) {
        Arrays.fill(plane, pOff, pOff + planeH * planeW, xZero);
    }

    /** Offset of the plane's first interior byte (input row 0, column 0). */
    public int interior(int pOff) {
        return pOff + padTop * planeW + padLeft;
    }

    /** Output channel c from the plane into y (NHWC at yOff); acc: at least outH * outW ints. */
    public void channel(int c, byte[] plane, int pOff, byte[] y, int yOff, int[] acc) {
        int outPixels = outH * outW;
        Arrays.fill(acc, 0, outPixels, dwBias[c]);
        int[] wt = dwW[c];
        for (int ky = 0; ky < kh; ky++) {
            for (int kx = 0; kx < kw; kx++) {
                int wv = wt[ky * kw + kx];
                for (int oy = 0; oy < outH; oy++) {
                    tap(acc, oy * outW, plane, pOff + (oy * strideH + ky * dilH) * planeW + kx * dilW, strideW, wv,
                            outW);
                }
            }
        }
        dwOut.applyChannel(acc, 0, outPixels, c, y, yOff + c, channels);
    }

    private static void tap(int[] acc, int a0, byte[] plane, int p0, int stride, int wv, int n) {
        if (stride == 1) {
            for (int j = 0; j < n; j++) {
                acc[a0 + j] += wv * plane[p0 + j];
            }
        } else {
            for (int j = 0; j < n; j++) {
                acc[a0 + j] += wv * plane[p0 + j * stride];
            }
        }
    }
}
