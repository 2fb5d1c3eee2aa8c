package kilotrain.ops.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import kilotrain.ir.Conv2D;
import kilotrain.ir.DType;
import kilotrain.ir.Padding;
import kilotrain.ir.Quant;
import kilotrain.ir.Requant;
import kilotrain.ir.Tensor;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The fast entry points (converted float weights, reused scratch) on layers wide enough to reach every unrolled
 * and remainder path, with partial channels, against a naive rendering of the documented summation order, bit
 * for bit. One scratch object is shared by all tries, so stale contents from a differently sized layer would show.
 */
class ConvBackwardWorkTest {
    enum Shape { POINTWISE, DENSE3X3, DEPTHWISE, DEPTHWISE_X2 }

    private static final ConvBackward.Work WORK = new ConvBackward.Work();

    @Property(tries = 150, seed = "20261123")
    void fastPathsFollowTheDocumentedSummationOrder(@ForAll Shape shape, @ForAll @IntRange(min = 1, max = 2) int stride,
            @ForAll boolean pad, @ForAll boolean partial, @ForAll long seed) {
        Random r = new Random(seed);
        int k = shape == Shape.POINTWISE ? 1 : 3;
        int p = pad && k > 1 ? 1 : 0;
        int cin, cout, groups;
        switch (shape) {
            case POINTWISE -> { cin = 1 + r.nextInt(40); cout = 1 + r.nextInt(40); groups = 1; }
            case DENSE3X3 -> { cin = 1 + r.nextInt(12); cout = 1 + r.nextInt(12); groups = 1; }
            case DEPTHWISE -> { cin = 1 + r.nextInt(24); cout = cin; groups = cin; }
            default -> { cin = 1 + r.nextInt(12); cout = 2 * cin; groups = cin; }
        }
        int inH = Math.max(1, k - 2 * p) + r.nextInt(7), inW = Math.max(1, k - 2 * p) + r.nextInt(7);
        int outH = Padding.outSize(inH, k, stride, 1, p, p), outW = Padding.outSize(inW, k, stride, 1, p, p);
        int zx = r.nextInt(41) - 20, cinPG = cin / groups;
        byte[] w = new byte[cout * k * k * cinPG];
        for (int i = 0; i < w.length; i++) {
            w[i] = (byte) (r.nextInt(255) - 127);
        }
        Conv2D op = conv(inH, inW, cin, outH, outW, cout, k, groups, stride, p, zx, w);
        byte[] x = new byte[inH * inW * cin];
        r.nextBytes(x);
        float[] gAcc = new float[outH * outW * cout];
        for (int i = 0; i < gAcc.length; i++) {
            int kind = r.nextInt(5);
            gAcc[i] = kind == 0 ? 0.0f : kind == 1 ? -0.0f
                    : (r.nextFloat() - 0.5f) * (float) Math.pow(10, r.nextInt(9) - 4);
        }
        int[] kept = partial ? keep(r, cin) : null;
        int nk = kept == null ? cin : kept.length;
        byte[] saved = new byte[inH * inW * nk];
        for (int px = 0; px < inH * inW; px++) {
            for (int j = 0; j < nk; j++) {
                saved[px * nk + j] = x[px * cin + (kept == null ? j : kept[j])];
            }
        }

        int gwOff = r.nextInt(3);
        float[] gW = new float[gwOff + ConvBackward.weightGradSize(op, kept) + 2];
        java.util.Arrays.fill(gW, Float.NaN);
        ConvBackward.weightGrad(op, saved, 0, gAcc, 0, kept, gW, gwOff, WORK);
        ConvBackward.Weights wf = new ConvBackward.Weights(op).set(op, w, 0);
        int gxOff = r.nextInt(3);
        float[] gX = new float[gxOff + x.length + 1];
        java.util.Arrays.fill(gX, Float.NaN);
        ConvBackward.inputGrad(op, wf, gAcc, 0, gX, gxOff, WORK);

        boolean depthwise = groups > 1;
        int mult = cout / cin;
        int rows = depthwise ? nk * mult : cout;
        int rowLen = depthwise ? k * k : k * k * nk;
        for (int row = 0; row < rows; row++) {
            int co = depthwise ? (kept == null ? row / mult : kept[row / mult]) * mult + row % mult : row;
            for (int t = 0; t < k * k; t++) {
                int ky = t / k, kx = t % k;
                for (int j = 0; j < (depthwise ? 1 : nk); j++) {
                    int ch = depthwise ? row / mult : j;
                    float s = 0.0f;
                    for (int oy = 0; oy < outH; oy++) {
                        for (int ox = 0; ox < outW; ox++) {
                            int iy = oy * stride - p + ky, ix = ox * stride - p + kx;
                            if (iy >= 0 && iy < inH && ix >= 0 && ix < inW) {
                                s += gAcc[(oy * outW + ox) * cout + co] * (float) (saved[(iy * inW + ix) * nk + ch] - zx);
                            }
                        }
                    }
                    int e = gwOff + row * rowLen + (depthwise ? t : t * nk + j);
                    assertEquals(Float.floatToIntBits(s), Float.floatToIntBits(gW[e]), "g_W element " + (e - gwOff));
                }
            }
        }
        for (int iy = 0; iy < inH; iy++) {
            for (int ix = 0; ix < inW; ix++) {
                for (int ci = 0; ci < cin; ci++) {
                    int g = ci / cinPG, coutPG = cout / groups;
                    float s = 0.0f;
                    for (int oy = 0; oy < outH; oy++) {
                        for (int ox = 0; ox < outW; ox++) {
                            int ky = iy - (oy * stride - p), kx = ix - (ox * stride - p);
                            if (ky < 0 || ky >= k || kx < 0 || kx >= k) {
                                continue;
                            }
                            for (int co = g * coutPG; co < (g + 1) * coutPG; co++) {
                                s += gAcc[(oy * outW + ox) * cout + co] * (float) w[((co * k + ky) * k + kx) * cinPG + ci % cinPG];
                            }
                        }
                    }
                    int e = (iy * inW + ix) * cin + ci;
                    assertEquals(Float.floatToIntBits(s), Float.floatToIntBits(gX[gxOff + e]), "g_x element " + e);
                }
            }
        }
    }

    private static int[] keep(Random r, int cin) {
        int[] tmp = new int[cin];
        int n = 0;
        for (int c = 0; c < cin; c++) {
            if (r.nextInt(3) != 0) {
                tmp[n++] = c;
            }
        }
        if (n == 0) {
            tmp[n++] = r.nextInt(cin);
        }
        return java.util.Arrays.copyOf(tmp, n);
    }

    private static Conv2D conv(int inH, int inW, int cin, int outH, int outW, int cout, int k, int groups, int stride,
            int pad, int zx, byte[] w) {
        double[] ws = new double[cout];
        java.util.Arrays.fill(ws, 0.01);
        float[] eff = new float[cout];
        java.util.Arrays.fill(eff, 0.001f);
        Tensor in = new Tensor("x", new int[] {1, inH, inW, cin}, DType.INT8, Quant.perTensor(0.05, zx));
        Tensor wt = Tensor.int8("w", new int[] {cout, k, k, cin / groups}, Quant.perAxis(ws, new int[cout], 0), w);
        Tensor y = new Tensor("y", new int[] {1, outH, outW, cout}, DType.INT8, Quant.perTensor(0.1, 0));
        return new Conv2D("c", in, wt, null, y, stride, stride, 1, 1, new Padding(pad, pad, pad, pad), groups,
                new Requant.FloatRint(eff), -128, 127, "NONE");
    }
}
