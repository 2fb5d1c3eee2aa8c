package kilotrain.ops.conv;

import static kilotrain.ops.GradCheck.assertClose;
import static kilotrain.ops.GradCheck.centralDiff;
import static kilotrain.ops.GradCheck.loss;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import kilotrain.KtException;
import kilotrain.ir.Conv2D;
import kilotrain.ops.GradCheck;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Every conv backward rule against central differences of the float relaxation (rounding removed, clamp kept),
 * partial-channel gradients against the full one, and the loops against a naive rendering of the documented
 * summation order, bit for bit.
 */
class ConvBackwardTest {

    @Property(tries = 300, seed = "20261123")
    void gradientsMatchFiniteDifferences(@ForAll ConvCase.Kind kind, @ForAll @IntRange(min = 1, max = 2) int stride,
            @ForAll @IntRange(min = 0, max = 2) int pad, @ForAll boolean dilate, @ForAll long seed) {
        Random r = new Random(seed);
        ConvCase c = new ConvCase(kind, stride, pad, dilate, r);
        double[] xv = GradCheck.toDouble(c.x), wv = GradCheck.toDouble(c.w), bv = GradCheck.toDouble(c.b);
        int[] edges = GradCheck.clampEdges(c.relaxed(xv, wv, bv));
        Assume.that(edges != null);
        int lo = edges[0], hi = edges[1];
        Conv2D op = c.op(lo, hi);
        float[] gY = GradCheck.randomGrad(r, c.outElements());
        byte[] mask = c.mask(lo, hi);

        float[] gAcc = new float[c.outElements()];
        ConvBackward.outputGrad(op, gY, 0, mask, 0, c.eff, gAcc, 0);
        float[] gB = new float[c.cout];
        ConvBackward.biasGrad(op, gAcc, 0, gB, 0);
        float[] gW = new float[c.w.length];
        ConvBackward.weightGrad(op, c.x, 0, gAcc, 0, null, gW, 0);
        float[] gX = new float[c.x.length];
        ConvBackward.inputGrad(op, c.w, 0, gAcc, 0, gX, 0);

        double h = 0.25;
        assertClose("g_b", gB, 0, centralDiff(bv, h, p -> loss(c.relaxed(xv, wv, p), gY, lo, hi)), 2e-5, 1e-9);
        assertClose("g_W", gW, 0, centralDiff(wv, h, p -> loss(c.relaxed(xv, p, bv), gY, lo, hi)), 2e-5, 1e-9);
        assertClose("g_x", gX, 0, centralDiff(xv, h, p -> loss(c.relaxed(p, wv, bv), gY, lo, hi)), 2e-5, 1e-9);
    }

    @Property(tries = 200, seed = "20261123")
    void partialChannelGradientIsTheFullOneRestricted(@ForAll ConvCase.Kind kind,
            @ForAll @IntRange(min = 1, max = 2) int stride, @ForAll @IntRange(min = 0, max = 2) int pad,
            @ForAll long seed) {
        Assume.that(kind != ConvCase.Kind.GROUPED);
        Random r = new Random(seed);
        ConvCase c = new ConvCase(kind, stride, pad, false, r);
        Conv2D op = c.op(-128, 127);
        float[] gAcc = GradCheck.randomGrad(r, c.outElements());
        float[] full = new float[c.w.length];
        ConvBackward.weightGrad(op, c.x, 0, gAcc, 0, null, full, 0);

        int[] kept = randomSubset(r, c.cin);
        byte[] xk = new byte[c.inH * c.inW * kept.length];
        for (int p = 0; p < c.inH * c.inW; p++) {
            for (int k = 0; k < kept.length; k++) {
                xk[p * kept.length + k] = c.x[p * c.cin + kept[k]];
            }
        }
        int n = ConvBackward.weightGradSize(op, kept);
        float[] part = new float[n + 3];
        ConvBackward.weightGrad(op, xk, 0, gAcc, 0, kept, part, 3);
        int[] idx = ConvBackward.weightSliceIndex(op, kept);
        assertEquals(n, idx.length);
        int[] rows = ConvBackward.weightGradRowChannels(op, kept);
        int rowLen = n / rows.length;
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToIntBits(full[idx[i]]), Float.floatToIntBits(part[3 + i]), "element " + i);
            assertEquals(rows[i / rowLen], idx[i] / (c.w.length / c.cout), "row channel of element " + i);
        }
    }

    /** The blocked / skipping loops give exactly the sums written in the documented order. */
    @Property(tries = 200, seed = "20261123")
    void loopsFollowTheDocumentedSummationOrder(@ForAll ConvCase.Kind kind,
            @ForAll @IntRange(min = 1, max = 2) int stride, @ForAll @IntRange(min = 0, max = 2) int pad,
            @ForAll boolean dilate, @ForAll long seed) {
        Random r = new Random(seed);
        ConvCase c = new ConvCase(kind, stride, pad, dilate, r);
        Conv2D op = c.op(-128, 127);
        float[] gAcc = GradCheck.randomGrad(r, c.outElements());
        for (int i = 0; i < gAcc.length; i++) {
            if (r.nextInt(4) == 0) {
                gAcc[i] = r.nextBoolean() ? 0.0f : -0.0f;
            }
            gAcc[i] *= (float) Math.pow(10, r.nextInt(7) - 3);
        }
        float[] gW = new float[c.w.length];
        ConvBackward.weightGrad(op, c.x, 0, gAcc, 0, null, gW, 0);
        float[] gX = new float[c.x.length];
        ConvBackward.inputGrad(op, c.w, 0, gAcc, 0, gX, 0);
        float[] gB = new float[c.cout];
        ConvBackward.biasGrad(op, gAcc, 0, gB, 0);

        int cinPG = c.cin / c.groups, coutPG = c.cout / c.groups;
        for (int co = 0; co < c.cout; co++) {
            float sb = 0.0f;
            for (int p = 0; p < c.outH * c.outW; p++) {
                sb += gAcc[p * c.cout + co];
            }
            assertEquals(Float.floatToIntBits(sb), Float.floatToIntBits(gB[co]));
            for (int ky = 0; ky < c.kh; ky++) {
                for (int kx = 0; kx < c.kw; kx++) {
                    for (int i = 0; i < cinPG; i++) {
                        float s = 0.0f;
                        for (int oy = 0; oy < c.outH; oy++) {
                            for (int ox = 0; ox < c.outW; ox++) {
                                int iy = oy * c.sh - c.pt + ky * c.dh, ix = ox * c.sw - c.pl + kx * c.dw;
                                if (iy < 0 || iy >= c.inH || ix < 0 || ix >= c.inW) {
                                    continue;
                                }
                                int ci = (co / coutPG) * cinPG + i;
                                s += gAcc[(oy * c.outW + ox) * c.cout + co]
                                        * (float) (c.x[(iy * c.inW + ix) * c.cin + ci] - c.zx);
                            }
                        }
                        int wi = ((co * c.kh + ky) * c.kw + kx) * cinPG + i;
                        assertEquals(Float.floatToIntBits(s), Float.floatToIntBits(gW[wi]), "g_W[" + wi + "]");
                    }
                }
            }
        }
        for (int iy = 0; iy < c.inH; iy++) {
            for (int ix = 0; ix < c.inW; ix++) {
                for (int ci = 0; ci < c.cin; ci++) {
                    int g = ci / cinPG, i = ci % cinPG;
                    float s = 0.0f;
                    for (int oy = 0; oy < c.outH; oy++) {
                        for (int ox = 0; ox < c.outW; ox++) {
                            for (int co = g * coutPG; co < (g + 1) * coutPG; co++) {
                                for (int ky = 0; ky < c.kh; ky++) {
                                    for (int kx = 0; kx < c.kw; kx++) {
                                        if (oy * c.sh - c.pt + ky * c.dh == iy && ox * c.sw - c.pl + kx * c.dw == ix) {
                                            s += gAcc[(oy * c.outW + ox) * c.cout + co]
                                                    * (float) c.w[((co * c.kh + ky) * c.kw + kx) * cinPG + i];
                                        }
                                    }
                                }
                            }
                        }
                    }
                    int xi = (iy * c.inW + ix) * c.cin + ci;
                    assertEquals(Float.floatToIntBits(s), Float.floatToIntBits(gX[xi]), "g_x[" + xi + "]");
                }
            }
        }
    }

    @Test
    void maskBitsArePackedLsbFirst() {
        int[] unclamped = {-129, -128, 0, 127, 128, 5, 300, -5, 7};
        byte[] m = new byte[ConvMask.bytes(unclamped.length) + 1];
        ConvMask.pack(unclamped, 0, unclamped.length, -128, 127, m, 1);
        assertEquals(0b10101110, m[1] & 0xff);
        assertEquals(0b1, m[2] & 0xff);
        assertEquals(6, ConvMask.count(m, 1, unclamped.length));
        ConvMask.put(m, 1, 0, true);
        ConvMask.put(m, 1, 1, false);
        assertEquals(0b10101101, m[1] & 0xff);
        float[] rz = {-130f, -135f, 120f, 122f, 121f, Float.NaN};
        byte[] mf = new byte[1];
        ConvMask.pack(rz, 0, rz.length, 6, -128, 127, mf, 0);
        assertEquals(0b10101, mf[0]);
        assertEquals(ConvMask.inside(122f, 6, -128, 127), false);
        assertEquals(ConvMask.inside(121f, 6, -128, 127), true);
        assertEquals(ConvMask.inside(-134f, 6, -128, 127), true);
    }

    @Test
    void outputGradMasksAndScalesPerChannel() {
        float[] gY = {1f, -2f, 3f, -4f};
        byte[] mask = {0b1011};
        float[] gAcc = new float[4];
        ConvBackward.outputGrad(gY, 0, mask, 0, new float[] {0.5f, 0.25f}, 2, 2, gAcc, 0);
        assertEquals(0.5f, gAcc[0]);
        assertEquals(-0.5f, gAcc[1]);
        assertEquals(Float.floatToIntBits(0.0f), Float.floatToIntBits(gAcc[2]));
        assertEquals(-1f, gAcc[3]);
    }

    @Test
    void effectiveScalesOfBothRequantRules() {
        float[] f = ConvBackward.effScales(new kilotrain.ir.Requant.FloatRint(new float[] {0.25f}), 3);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {0.25f, 0.25f, 0.25f}, f);
        float[] q = ConvBackward.effScales(
                new kilotrain.ir.Requant.FixedPoint(new int[] {1 << 30, 1518500250}, new int[] {0, -3}), 2);
        assertEquals(0.5f, q[0]);
        assertEquals((float) (1518500250 * Math.pow(2, -34)), q[1]);
    }

    @Test
    void badKeptChannelsAreRejectedWithTheOperatorName() {
        ConvCase c = new ConvCase(ConvCase.Kind.STANDARD, 1, 0, false, new Random(1));
        Conv2D op = c.op(-128, 127);
        KtException e = assertThrows(KtException.class, () -> ConvBackward.weightGradSize(op, new int[] {2, 1}));
        assertEquals(true, e.getMessage().contains("'conv'"));
        assertThrows(KtException.class, () -> ConvBackward.weightGradSize(op, new int[] {3}));
        ConvCase g = new ConvCase(ConvCase.Kind.GROUPED, 1, 0, false, new Random(1));
        assertThrows(KtException.class, () -> ConvBackward.weightGradSize(g.op(-128, 127), new int[] {0, 1}));
    }

    static int[] randomSubset(Random r, int n) {
        int count = 1 + r.nextInt(n);
        boolean[] take = new boolean[n];
        for (int i = 0; i < count; i++) {
            take[r.nextInt(n)] = true;
        }
        int k = 0;
        for (boolean t : take) {
            k += t ? 1 : 0;
        }
        int[] out = new int[k];
        k = 0;
        for (int i = 0; i < n; i++) {
            if (take[i]) {
                out[k++] = i;
            }
        }
        return out;
    }
}
