package kilotrain.ops.conv;

import java.util.Random;
import kilotrain.ir.Conv2D;
import kilotrain.ir.DType;
import kilotrain.ir.Padding;
import kilotrain.ir.Quant;
import kilotrain.ir.Requant;
import kilotrain.ir.Tensor;

/** A small random quantized convolution with its int8 forward and the float relaxation of it, for the tests. */
final class ConvCase {
    enum Kind { STANDARD, GROUPED, DEPTHWISE, DEPTHWISE_X2, POINTWISE }

    final int inH, inW, cin, cout, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, groups, outH, outW, zx, zy;
    final byte[] x, w;
    final int[] b;
    final float[] eff;

    ConvCase(Kind kind, int stride, int padCase, boolean dilate, Random r) {
        int k = kind == Kind.POINTWISE ? 1 : 3;
        switch (kind) {
            case STANDARD -> { cin = 3; cout = 4; groups = 1; }
            case GROUPED -> { cin = 4; cout = 6; groups = 2; }
            case DEPTHWISE -> { cin = 3; cout = 3; groups = 3; }
            case DEPTHWISE_X2 -> { cin = 3; cout = 6; groups = 3; }
            default -> { cin = 5; cout = 4; groups = 1; }
        }
        kh = k;
        kw = k;
        sh = stride;
        sw = stride;
        dh = dilate && k > 1 ? 2 : 1;
        dw = dh;
        int[] p = switch (padCase) {
            case 0 -> new int[] {0, 0, 0, 0};
            case 1 -> new int[] {1, 1, 1, 1};
            default -> new int[] {0, 1, 1, 0};
        };
        pt = p[0];
        pl = p[1];
        pb = p[2];
        pr = p[3];
        int effK = (k - 1) * dh + 1;
        inH = Math.max(1, effK - pt - pb) + r.nextInt(4);
        inW = Math.max(1, effK - pl - pr) + r.nextInt(4);
        outH = Padding.outSize(inH, kh, sh, dh, pt, pb);
        outW = Padding.outSize(inW, kw, sw, dw, pl, pr);
        zx = r.nextInt(41) - 20;
        zy = r.nextInt(21) - 10;
        x = new byte[inH * inW * cin];
        for (int i = 0; i < x.length; i++) {
            x[i] = (byte) (r.nextInt(256) - 128);
        }
        int cinPG = cin / groups;
        w = new byte[cout * kh * kw * cinPG];
        for (int i = 0; i < w.length; i++) {
            w[i] = (byte) (r.nextInt(255) - 127);
        }
        b = new int[cout];
        eff = new float[cout];
        double typical = Math.sqrt(kh * kw * cinPG) * 73.0 * 75.0;
        for (int c = 0; c < cout; c++) {
            b[c] = r.nextInt(2001) - 1000;
            eff[c] = (float) ((0.5 + r.nextDouble()) * 70.0 / typical);
        }
    }

    int outElements() {
        return outH * outW * cout;
    }

    /** The IR op with these clamp edges. */
    Conv2D op(int actMin, int actMax) {
        int cinPG = cin / groups;
        Tensor in = new Tensor("x", new int[] {1, inH, inW, cin}, DType.INT8, Quant.perTensor(0.05, zx));
        double[] ws = new double[cout];
        java.util.Arrays.fill(ws, 0.01);
        Tensor wt = Tensor.int8("w", new int[] {cout, kh, kw, cinPG}, Quant.perAxis(ws, new int[cout], 0), w);
        Tensor bt = Tensor.int32("b", new int[] {cout}, null, b);
        Tensor out = new Tensor("y", new int[] {1, outH, outW, cout}, DType.INT8, Quant.perTensor(0.1, zy));
        return new Conv2D("conv", in, wt, bt, out, sh, sw, dh, dw, new Padding(pt, pl, pb, pr), groups,
                new Requant.FloatRint(eff), actMin, actMax, "NONE");
    }

    /** Unclamped relaxed outputs {@code (acc + b) * eff + zy} in double, for continuous x, w, b. */
    double[] relaxed(double[] xv, double[] wv, double[] bv) {
        double[] acc = accumulators(xv, wv);
        for (int i = 0; i < acc.length; i++) {
            int co = i % cout;
            acc[i] = (acc[i] + bv[co]) * eff[co] + zy;
        }
        return acc;
    }

    /**
     * The direct definition {@code acc[p, co] = sum over valid taps of w * (x - zx)}, written independently of the
     * kernels under test (exact for integer x and w: every partial sum is an integer far below 2^53).
     */
    private double[] accumulators(double[] xv, double[] wv) {
        int cinPG = cin / groups, coutPG = cout / groups;
        double[] y = new double[outElements()];
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                for (int co = 0; co < cout; co++) {
                    int g = co / coutPG;
                    double acc = 0;
                    for (int ky = 0; ky < kh; ky++) {
                        int iy = oy * sh - pt + ky * dh;
                        for (int kx = 0; kx < kw; kx++) {
                            int ix = ox * sw - pl + kx * dw;
                            if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) {
                                continue;
                            }
                            for (int i = 0; i < cinPG; i++) {
                                acc += wv[((co * kh + ky) * kw + kx) * cinPG + i]
                                        * (xv[(iy * inW + ix) * cin + g * cinPG + i] - zx);
                            }
                        }
                    }
                    y[(oy * outW + ox) * cout + co] = acc;
                }
            }
        }
        return y;
    }

    private static double[] doubles(byte[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    /** The int8 forward's clamp mask: float32 {@code rint(float(acc + b) * eff)}, then ConvMask. */
    byte[] mask(int actMin, int actMax) {
        double[] acc = accumulators(doubles(x), doubles(w));
        float[] rz = new float[acc.length];
        for (int i = 0; i < acc.length; i++) {
            int co = i % cout;
            rz[i] = (float) Math.rint((float) ((int) acc[i] + b[co]) * eff[co]);
        }
        byte[] m = new byte[ConvMask.bytes(rz.length)];
        ConvMask.pack(rz, 0, rz.length, zy, actMin, actMax, m, 0);
        return m;
    }
}
