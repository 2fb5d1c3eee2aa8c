package kilotrain.ops.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import kilotrain.ir.Requant;
import kilotrain.ops.Scratch;
import kilotrain.ops.requant.Requantizer;
import org.junit.jupiter.api.Test;

/** Every loop of ConvKernel against a direct, bounds-checked convolution with the same output stage. */
class ConvForwardTest {
    record Geometry(int inH, int inW, int cin, int cout, int kh, int kw, int sh, int sw, int dh, int dw, int padT,
            int padL, int padB, int padR, int groups) {
        int outH() {
            return (inH + padT + padB - ((kh - 1) * dh + 1)) / sh + 1;
        }

        int outW() {
            return (inW + padL + padR - ((kw - 1) * dw + 1)) / sw + 1;
        }
    }

    static byte[] reference(Geometry g, byte[] x, int xZero, byte[] w, int[] bias, Requantizer rq) {
        int oh = g.outH(), ow = g.outW(), cinG = g.cin / g.groups, coutG = g.cout / g.groups;
        byte[] y = new byte[oh * ow * g.cout];
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                for (int o = 0; o < g.cout; o++) {
                    int grp = o / coutG;
                    long acc = bias[o];
                    for (int ky = 0; ky < g.kh; ky++) {
                        for (int kx = 0; kx < g.kw; kx++) {
                            int iy = oy * g.sh + ky * g.dh - g.padT, ix = ox * g.sw + kx * g.dw - g.padL;
                            if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) {
                                continue;
                            }
                            for (int i = 0; i < cinG; i++) {
                                int xv = x[(iy * g.inW + ix) * g.cin + grp * cinG + i] - xZero;
                                acc += (long) w[((o * g.kh + ky) * g.kw + kx) * cinG + i] * xv;
                            }
                        }
                    }
                    y[(oy * ow + ox) * g.cout + o] = (byte) rq.one((int) acc, o);
                }
            }
        }
        return y;
    }

    static void check(Geometry g, SplittableRandom r, boolean fixedPoint) {
        byte[] x = new byte[g.inH * g.inW * g.cin];
        byte[] w = new byte[g.cout * g.kh * g.kw * (g.cin / g.groups)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (byte) r.nextInt(256);
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (byte) r.nextInt(-127, 128);
        }
        int[] bias = new int[g.cout];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = r.nextInt(-5000, 5000);
        }
        int xZero = r.nextInt(-128, 128), yZero = r.nextInt(-20, 20);
        Requant rule;
        if (fixedPoint) {
            int[] m = new int[g.cout], s = new int[g.cout];
            for (int c = 0; c < g.cout; c++) {
                m[c] = r.nextInt(1 << 30, Integer.MAX_VALUE);
                s[c] = -r.nextInt(5, 12);
            }
            rule = new Requant.FixedPoint(m, s);
        } else {
            float[] eff = new float[g.cout];
            for (int c = 0; c < g.cout; c++) {
                eff[c] = (float) r.nextDouble(1e-4, 5e-3);
            }
            rule = new Requant.FloatRint(eff);
        }
        Requantizer rq = Requantizer.of(rule, g.cout, yZero, -128, 127);
        ConvKernel k = new ConvKernel(g.inH, g.inW, g.cin, g.outH(), g.outW(), g.cout, g.kh, g.kw, g.sh, g.sw, g.dh,
                g.dw, g.padT, g.padL, g.groups, xZero, w, bias, rq);
        Scratch.Sizer sizer = new Scratch.Sizer();
        k.reserve(sizer);
        Scratch s = sizer.allocate();
        int off = 5;
        byte[] xo = new byte[x.length + off];
        System.arraycopy(x, 0, xo, off, x.length);
        byte[] y = new byte[g.outH() * g.outW() * g.cout + 3];
        k.forward(xo, off, y, 3, s);
        byte[] got = java.util.Arrays.copyOfRange(y, 3, y.length);
        assertArrayEquals(reference(g, x, xZero, w, bias, rq), got, g.toString());
        // a second call on the same scratch must not see leftovers of the first
        k.forward(xo, off, y, 3, s);
        assertArrayEquals(got, java.util.Arrays.copyOfRange(y, 3, y.length), "repeat " + g);
    }

    @Test
    void allLoopsMatchTheDirectConvolution() {
        SplittableRandom r = new SplittableRandom(5);
        Geometry[] cases = {
            new Geometry(7, 5, 6, 9, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1), // pointwise
            new Geometry(12, 12, 3, 130, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1), // pointwise, > 1 tile
            new Geometry(9, 10, 7, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1), // pointwise GEMM, cin not a multiple of 4
            new Geometry(8, 8, 13, 21, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1), // pointwise, few pixels
            new Geometry(9, 9, 4, 5, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1), // strided 1x1 -> dense
            new Geometry(16, 16, 3, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1), // first conv
            new Geometry(10, 11, 5, 7, 3, 5, 1, 2, 2, 1, 2, 0, 1, 3, 1), // asymmetric pad, dilation
            new Geometry(13, 13, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8), // depthwise row loop
            new Geometry(13, 9, 24, 24, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, 24), // depthwise stride 2
            new Geometry(8, 8, 16, 16, 7, 7, 2, 1, 1, 1, 3, 3, 3, 3, 16), // depthwise stride (2, 1)
            new Geometry(6, 6, 4, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4), // depth multiplier 2
            new Geometry(6, 7, 6, 9, 3, 1, 1, 1, 1, 1, 1, 0, 1, 0, 3), // grouped
            new Geometry(4, 4, 160, 1000, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1), // wide classifier
            new Geometry(1, 1, 7, 3, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1), // single pixel
        };
        for (Geometry g : cases) {
            check(g, r, false);
            check(g, r, true);
        }
    }

    @Test
    void randomGeometries() {
        SplittableRandom r = new SplittableRandom(9);
        for (int t = 0; t < 300; t++) {
            int k = 1 + 2 * r.nextInt(3), kw2 = r.nextBoolean() ? k : 1 + 2 * r.nextInt(3);
            int groupsKind = r.nextInt(3);
            int cin = 1 + r.nextInt(12);
            int groups = groupsKind == 0 ? 1 : groupsKind == 1 ? cin : (cin % 2 == 0 ? 2 : 1);
            int cout = groupsKind == 1 ? cin * (1 + r.nextInt(2)) : groups * (1 + r.nextInt(10));
            int dh = 1 + r.nextInt(2), dw = 1 + r.nextInt(2);
            int inH = (k - 1) * dh + 1 + r.nextInt(8), inW = (kw2 - 1) * dw + 1 + r.nextInt(8);
            Geometry g = new Geometry(inH, inW, cin, cout, k, kw2, 1 + r.nextInt(3), 1 + r.nextInt(3), dh, dw,
                    r.nextInt(k), r.nextInt(kw2), r.nextInt(k), r.nextInt(kw2), groups);
            check(g, r, r.nextBoolean());
        }
    }
}
