package kilotrain.ops.conv;

import java.util.Arrays;
import kilotrain.ir.Conv2D;
import kilotrain.ops.requant.Requantizer;

/**
 * An ungrouped conv P (typically an inverted residual block's 1x1 expansion) followed by the depthwise conv D (channel
 * multiplier 1) that alone reads P's output E, one E channel at a time: for channel c, P's requantized output plane
 * goes into a padded int8 plane whose frame holds E's zero point (D's padding), then D's output channel c is computed
 * from that plane and written into D's NHWC output. The whole E never exists.
 *
 * <p>Bits: P's accumulator is {@code bias[c] + sum W[c][k] * (x_k - x_zero)} over its patch (padding contributes 0),
 * as in {@link ConvKernel}; D's {@code bias[c] + sum_valid w_t * (e_t - e_zero)} is computed as
 * {@code (bias[c] - e_zero * sum_t w_t) + sum_t w_t * v_t} over every tap, frame taps holding {@code v = e_zero}: the
 * same int32 value (int32 wrap-around is modular anyway). Both go through the convs' own {@link Requantizer}s, so the
 * results equal {@link ConvKernel}'s P then D bit for bit.
 */
public final class ConvDwFused {
    /** P's geometry (its window walk is {@link #pWindow}). */
    public final int cin, pkh, pkw, xZero;
    /** E's geometry (P's output, D's input). */
    public final int h, w, channels;
    private final int[][] pW;
    private final int[] pBias;
    private final ConvWindow pWindow;
    private final Requantizer pOut;
    /** D, from the plane. */
    private final ConvDwPlane d;

    /** Per-thread scratch: P's input patches channel-major (im2col rows), and the two accumulator planes. */
    public static final class Work {
        final int[][] rows;
        final int[] acc, accOut;

        public Work(ConvDwFused k) {
            rows = new int[k.pkh * k.pkw * k.cin][k.h * k.w];
            acc = new int[k.h * k.w];
            accOut = new int[k.d.outH * k.d.outW];
        }
    }

    public ConvDwFused(Conv2D p, Conv2D dw) {
        if (!fusable(p, dw)) {
            throw new IllegalArgumentException("convs '" + p.name + "' and '" + dw.name
                    + "' are not an ungrouped conv feeding a depthwise conv");
        }
        cin = p.input.channels();
        pkh = p.kernelH();
        pkw = p.kernelW();
        xZero = p.input.quant.zeroPoint();
        h = p.output.height();
        w = p.output.width();
        channels = p.output.channels();
        int k = pkh * pkw * cin;
        pW = new int[channels][k];
        pBias = new int[channels];
        pWindow = ConvWindow.of(p);
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < k; i++) {
                pW[c][i] = p.weight.int8Data[c * k + i];
            }
            pBias[c] = p.bias == null ? 0 : p.bias.int32Data[c];
        }
        pOut = Requantizer.of(p.requant, channels, p.output.quant.zeroPoint(), p.actMin, p.actMax);
        d = new ConvDwPlane(dw);
    }

    /** Whether {@code p} then {@code dw} has the shape this kernel runs (frozenness is the compiler pass's check). */
    public static boolean fusable(Conv2D p, Conv2D dw) {
        return p.groups == 1 && dw.input == p.output && dw.isDepthwise()
                && dw.output.channels() == dw.input.channels() && p.input.quant != null && p.output.quant != null
                && dw.output.quant != null;
    }

    /** Bytes of the plane buffer the instruction needs. */
    public static int planeElements(Conv2D dw) {
        return ConvDwPlane.planeElements(dw);
    }

    /**
     * x: P's input (inH*inW*cin, NHWC) at xOff; plane: planeH*planeW bytes at pOff; y: D's output
     * (outH*outW*channels) at yOff.
     */
    public void forward(byte[] x, int xOff, byte[] plane, int pOff, byte[] y, int yOff, Work wk) {
        int pixels = h * w;
        gather(x, xOff, wk.rows);
        // the frame (D's padding) holds E's zero point for every channel; only the interior changes
        d.frame(plane, pOff);
        int interior = d.interior(pOff);
        int[][] rows = wk.rows;
        int[] acc = wk.acc, out = wk.accOut;
        int k = rows.length, k4 = k & ~3;
        for (int c = 0; c < channels; c++) {
            int[] wc = pW[c];
            Arrays.fill(acc, 0, pixels, pBias[c]);
            for (int i = 0; i < k4; i += 4) {
                ConvKernel.multiplyAdd4(acc, rows[i], rows[i + 1], rows[i + 2], rows[i + 3], wc[i], wc[i + 1], wc[i + 2],
                        wc[i + 3], pixels);
            }
            for (int i = k4; i < k; i++) {
                ConvKernel.multiplyAdd1(acc, rows[i], wc[i], pixels);
            }
            for (int r = 0; r < h; r++) {
                pOut.applyChannel(acc, r * w, w, c, plane, interior + r * d.planeW, 1);
            }
            d.channel(c, plane, pOff, y, yOff, out);
        }
    }

    /** rows[(ky * pkw + kx) * cin + i][pixel] = x - x_zero under P's tap, 0 in P's padding (the im2col order). */
    private void gather(byte[] x, int xOff, int[][] rows) {
        final int z = xZero, ci = cin, pixels = h * w;
        final ConvWindow win = pWindow;
        if (win.outIn.length != pixels * win.taps) {
            for (int[] r : rows) {
                Arrays.fill(r, 0, pixels, 0);
            }
        }
        for (int p = 0; p < pixels; p++) {
            for (int e = win.outStart[p]; e < win.outStart[p + 1]; e++) {
                final int r = win.outTap[e] * ci, src = xOff + win.outIn[e] * ci;
                for (int i = 0; i < ci; i++) {
                    rows[r + i][p] = x[src + i] - z;
                }
            }
        }
    }
}
