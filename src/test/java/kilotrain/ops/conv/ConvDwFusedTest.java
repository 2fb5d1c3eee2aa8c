package kilotrain.ops.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import kilotrain.ir.Conv2D;
import kilotrain.ir.DType;
import kilotrain.ir.Padding;
import kilotrain.ir.Quant;
import kilotrain.ir.Requant;
import kilotrain.ir.Tensor;
import kilotrain.ops.Scratch;
import org.junit.jupiter.api.Test;

/**
 * The fused conv + depthwise kernel against {@link ConvKernel}'s two passes on random geometries: pointwise and dense
 * first convs (stride, asymmetric padding, dilation), depthwise 1..7 (stride, padding, dilation), float and
 * fixed-point output stages, clamped ranges, with and without biases.
 */
class ConvDwFusedTest {
    static Requant requant(Random r, int channels) {
        if (r.nextBoolean()) {
            float[] e = new float[channels];
            for (int c = 0; c < channels; c++) {
                e[c] = (1 + r.nextInt(1000)) * 0x1.0p-16f;
            }
            return new Requant.FloatRint(e);
        }
        int[] m = new int[channels], s = new int[channels];
        for (int c = 0; c < channels; c++) {
            m[c] = (1 << 30) + r.nextInt(1 << 30);
            s[c] = -r.nextInt(12);
        }
        return new Requant.FixedPoint(m, s);
    }

    static byte[] bytes(Random r, int n, int lo, int span) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (lo + r.nextInt(span));
        }
        return b;
    }

    static int[] bias(Random r, int n) {
        if (r.nextInt(5) == 0) {
            return null;
        }
        int[] b = new int[n];
        for (int i = 0; i < n; i++) {
            b[i] = r.nextInt(20001) - 10000;
        }
        return b;
    }

    static Conv2D conv(String name, Tensor in, int cout, int k, int stride, int dil, Padding pad, int groups,
            Tensor out, Random r) {
        int cinPG = in.channels() / groups;
        double[] scales = new double[cout];
        Arrays.fill(scales, 0.01);
        Tensor w = Tensor.int8(name + ".w", new int[] {cout, k, k, cinPG}, Quant.perAxis(scales, new int[cout], 0),
                bytes(r, cout * k * k * cinPG, -127, 255));
        int[] b = bias(r, cout);
        Tensor bt = b == null ? null : Tensor.int32(name + ".b", new int[] {cout}, null, b);
        int lo = r.nextInt(3) == 0 ? -128 + r.nextInt(100) : -128;
        int hi = r.nextInt(3) == 0 ? lo + 1 + r.nextInt(127 - lo) : 127;
        return new Conv2D(name, in, w, bt, out, stride, stride, dil, dil, pad, groups, requant(r, cout), lo, hi,
                "NONE");
    }

    @Test
    void randomPairsEqualTwoConvs() {
        Random r = new Random(21);
        int checked = 0, dense = 0, fixed = 0;
        for (int it = 0; it < 3000 && checked < 300; it++) {
            boolean pointwise = r.nextBoolean();
            int pk = pointwise ? 1 : 1 + 2 * r.nextInt(3), ps = pointwise ? 1 : 1 + r.nextInt(2);
            int pd = !pointwise && r.nextInt(4) == 0 ? 2 : 1;
            Padding pp = pointwise ? Padding.NONE : new Padding(r.nextInt(pk / 2 + 1), r.nextInt(pk / 2 + 1),
                    r.nextInt(pk / 2 + 1), r.nextInt(pk / 2 + 1));
            int cin = pointwise && r.nextBoolean() ? 8 * (1 + r.nextInt(3)) : 1 + r.nextInt(12);
            int ch = 2 + r.nextInt(23), h = 1 + r.nextInt(12), w = 1 + r.nextInt(12);
            int eh = Padding.outSize(h, pk, ps, pd, pp.top(), pp.bottom());
            int ew = Padding.outSize(w, pk, ps, pd, pp.left(), pp.right());
            int dk = 1 + r.nextInt(7), ds = 1 + r.nextInt(2), dd = r.nextInt(5) == 0 ? 2 : 1;
            Padding dp = new Padding(r.nextInt(dk / 2 + 1), r.nextInt(dk / 2 + 1), r.nextInt(dk / 2 + 1),
                    r.nextInt(dk / 2 + 1));
            if (eh <= 0 || ew <= 0 || h + pp.top() + pp.bottom() < (pk - 1) * pd + 1
                    || w + pp.left() + pp.right() < (pk - 1) * pd + 1) {
                continue;
            }
            int oh = Padding.outSize(eh, dk, ds, dd, dp.top(), dp.bottom());
            int ow = Padding.outSize(ew, dk, ds, dd, dp.left(), dp.right());
            if (oh <= 0 || ow <= 0 || eh + dp.top() + dp.bottom() < (dk - 1) * dd + 1
                    || ew + dp.left() + dp.right() < (dk - 1) * dd + 1) {
                continue;
            }
            int zx = r.nextInt(256) - 128, ze = r.nextInt(256) - 128, zy = r.nextInt(256) - 128;
            Tensor x = new Tensor("x", new int[] {1, h, w, cin}, DType.INT8, Quant.perTensor(0.05, zx));
            Tensor e = new Tensor("e", new int[] {1, eh, ew, ch}, DType.INT8, Quant.perTensor(0.05, ze));
            Tensor y = new Tensor("y", new int[] {1, oh, ow, ch}, DType.INT8, Quant.perTensor(0.05, zy));
            Conv2D p = conv("p", x, ch, pk, ps, pd, pp, 1, e, r);
            Conv2D d = conv("d", e, ch, dk, ds, dd, dp, ch, y, r);
            assertTrue(ConvDwFused.fusable(p, d));
            byte[] xv = bytes(r, x.elements(), -128, 256);
            ConvKernel kp = ConvKernel.of(p), kd = ConvKernel.of(d);
            Scratch.Sizer sz = new Scratch.Sizer();
            kp.reserve(sz);
            kd.reserve(sz);
            Scratch s = sz.allocate();
            byte[] ev = new byte[e.elements()], want = new byte[y.elements()];
            kp.forward(xv, 0, ev, 0, s);
            kd.forward(ev, 0, want, 0, s);
            ConvDwFused k = new ConvDwFused(p, d);
            byte[] plane = new byte[ConvDwFused.planeElements(d) + 2], got = new byte[want.length + 3];
            Arrays.fill(got, (byte) 0x5A);
            k.forward(xv, 0, plane, 2, got, 3, new ConvDwFused.Work(k));
            assertArrayEquals(want, Arrays.copyOfRange(got, 3, got.length), "case " + it);
            checked++;
            dense += pointwise ? 0 : 1;
            fixed += p.requant instanceof Requant.FixedPoint ? 1 : 0;
        }
        assertTrue(checked >= 300 && dense > 50 && fixed > 50, checked + " cases, " + dense + " dense, " + fixed
                + " fixed point");
    }

    @Test
    void refusesWhatItCannotRun() {
        Random r = new Random(3);
        Tensor x = new Tensor("x", new int[] {1, 4, 4, 4}, DType.INT8, Quant.perTensor(0.05, 0));
        Tensor e = new Tensor("e", new int[] {1, 4, 4, 4}, DType.INT8, Quant.perTensor(0.05, 0));
        Tensor y = new Tensor("y", new int[] {1, 4, 4, 4}, DType.INT8, Quant.perTensor(0.05, 0));
        Conv2D grouped = conv("g", x, 4, 1, 1, 1, Padding.NONE, 2, e, r);
        Conv2D dense = conv("p", x, 4, 1, 1, 1, Padding.NONE, 1, e, r);
        Conv2D notDw = conv("q", e, 4, 1, 1, 1, Padding.NONE, 1, y, r);
        Conv2D dw = conv("d", e, 4, 3, 1, 1, new Padding(1, 1, 1, 1), 4, y, r);
        assertFalse(ConvDwFused.fusable(grouped, dw));
        assertFalse(ConvDwFused.fusable(dense, notDw));
        assertFalse(ConvDwFused.fusable(dw, dw));
        assertTrue(ConvDwFused.fusable(dense, dw));
    }
}
