package kilotrain.ops.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import kilotrain.ir.Conv2D;
import kilotrain.ir.DType;
import kilotrain.ir.Padding;
import kilotrain.ir.Quant;
import kilotrain.ir.Tensor;
import kilotrain.ops.Scratch;
import kilotrain.ops.core.Buf;
import org.junit.jupiter.api.Test;

/**
 * The in-place depthwise conv's Java kernel ({@link ConvDwInPlace}) with its output over its input in one array equals
 * {@link ConvKernel} on two arrays, on random geometries (kernel 1..7, stride 1 and 2, dilation, asymmetric padding,
 * float and fixed-point output stages); with its output one channel off its input it does not (the check has teeth).
 * Which
 * instructions offer in-place kernels, and their scratch sizes.
 */
class ConvInPlaceTest {
    @Test
    void aliasedDepthwiseEqualsConvKernel() {
        Random r = new Random(24);
        int checked = 0, strided = 0, plainWrong = 0;
        for (int it = 0; it < 3000 && checked < 300; it++) {
            int k = 1 + r.nextInt(7), s = 1 + r.nextInt(2), d = r.nextInt(5) == 0 ? 2 : 1;
            int ch = 2 + r.nextInt(23), h = 1 + r.nextInt(14), w = 1 + r.nextInt(14);
            Padding p = new Padding(r.nextInt(k / 2 + 1), r.nextInt(k / 2 + 1), r.nextInt(k / 2 + 1),
                    r.nextInt(k / 2 + 1));
            int oh = Padding.outSize(h, k, s, d, p.top(), p.bottom()), ow = Padding.outSize(w, k, s, d, p.left(),
                    p.right());
            if (oh <= 0 || ow <= 0 || h + p.top() + p.bottom() < (k - 1) * d + 1
                    || w + p.left() + p.right() < (k - 1) * d + 1) {
                continue;
            }
            Tensor x = new Tensor("x", new int[] {1, h, w, ch}, DType.INT8, Quant.perTensor(0.05, r.nextInt(256) - 128));
            Tensor y = new Tensor("y", new int[] {1, oh, ow, ch}, DType.INT8, Quant.perTensor(0.05,
                    r.nextInt(256) - 128));
            Conv2D dw = ConvDwFusedTest.conv("d", x, ch, k, s, d, p, ch, y, r);
            byte[] xv = ConvDwFusedTest.bytes(r, x.elements(), -128, 256);
            ConvKernel plain = ConvKernel.of(dw);
            Scratch.Sizer sz = new Scratch.Sizer();
            plain.reserve(sz);
            Scratch sc = sz.allocate();
            byte[] want = new byte[y.elements()];
            plain.forward(xv, 0, want, 0, sc);
            // one arena: 3 bytes of something else, the block (input, then the output over it), 3 more
            int block = Math.max(x.elements(), y.elements());
            byte[] arena = new byte[block + 6];
            Arrays.fill(arena, (byte) 0x5A);
            System.arraycopy(xv, 0, arena, 3, xv.length);
            ConvDwPlane kp = new ConvDwPlane(dw);
            byte[] plane = new byte[ConvDwPlane.planeElements(dw) + 1];
            ConvDwInPlace.forward(kp, arena, 3, plane, 1, arena, 3, new int[oh * ow]);
            assertArrayEquals(want, Arrays.copyOfRange(arena, 3, 3 + want.length), "case " + it);
            assertEquals(0x5A, arena[2] & 0xFF);
            assertEquals(0x5A, arena[arena.length - 1] & 0xFF);
            // teeth: the same kernel with its output one channel ahead of its input overwrites input channel c + 1
            // before copying it into the plane
            byte[] shifted = new byte[block + 1];
            System.arraycopy(xv, 0, shifted, 1, xv.length);
            ConvDwInPlace.forward(kp, shifted, 1, plane, 1, shifted, 0, new int[oh * ow]);
            plainWrong += Arrays.equals(want, Arrays.copyOf(shifted, want.length)) ? 0 : 1;
            checked++;
            strided += s > 1 ? 1 : 0;
        }
        assertTrue(checked >= 300 && strided > 100, checked + " cases, " + strided + " strided");
        assertTrue(plainWrong > checked / 2, "the misplaced output differs in " + plainWrong + " cases");
    }

    @Test
    void offeredWhereTheKernelsRun() {
        Random r = new Random(5);
        Tensor x = new Tensor("x", new int[] {1, 8, 8, 16}, DType.INT8, Quant.perTensor(0.05, 0));
        Tensor e = new Tensor("e", new int[] {1, 8, 8, 48}, DType.INT8, Quant.perTensor(0.05, 0));
        Tensor s2 = new Tensor("s", new int[] {1, 4, 4, 48}, DType.INT8, Quant.perTensor(0.05, 0));
        Conv2D expand = ConvDwFusedTest.conv("p", x, 48, 1, 1, 1, Padding.NONE, 1, e, r);
        Conv2D dw = ConvDwFusedTest.conv("d", e, 48, 3, 2, 1, new Padding(0, 0, 1, 1), 48, s2, r);
        Conv2D dense = ConvDwFusedTest.conv("q", x, 48, 3, 1, 1, new Padding(1, 1, 1, 1), 1, e, r);
        Buf bx = new Buf(0, "x", Buf.Kind.ACT, DType.INT8, x.elements());
        Buf be = new Buf(1, "e", Buf.Kind.ACT, DType.INT8, e.elements());
        Buf bs = new Buf(2, "s", Buf.Kind.ACT, DType.INT8, s2.elements());
        // forward: a frozen depthwise conv only (a trained or masked one keeps its input for the backward pass)
        ConvDwInPlace f = (ConvDwInPlace) new ConvFwd(dw, null, be, bs, null, null, null).inPlaceKernel(9);
        assertEquals(9, f.plane().id);
        assertEquals(9 * 9, f.plane().elements, "rows and columns of the padded plane");
        assertArrayEquals(new Buf[] {be, bs}, f.inPlace());
        assertEquals(new ConvFwd(dw, null, be, bs, null, null, null), f.outOfPlace());
        Buf mask = new Buf(3, "m", Buf.Kind.MASK, DType.INT8, s2.elements());
        assertNull(new ConvFwd(dw, null, be, bs, mask, null, null).inPlaceKernel(9));
        assertNull(new ConvFwd(expand, null, bx, be, null, null, null).inPlaceKernel(9));
        // backward: depthwise (any stride) and 1x1 stride-1 input gradients that do not accumulate
        Buf ge = new Buf(4, "ge", Buf.Kind.GRAD, DType.FLOAT32, e.elements());
        Buf gs = new Buf(5, "gs", Buf.Kind.GRAD, DType.FLOAT32, s2.elements());
        Buf gx = new Buf(6, "gx", Buf.Kind.GRAD, DType.FLOAT32, x.elements());
        ConvInputGradInPlace gd = (ConvInputGradInPlace) new ConvInputGrad(dw, gs, null, ge, false).inPlaceKernel(7);
        assertEquals(8, gd.group());
        assertEquals(8 * 4 * 4, gd.scratch().elements, "eight channels' output planes");
        Conv2D dilated = ConvDwFusedTest.conv("d2", e, 48, 3, 2, 2, new Padding(2, 2, 2, 2), 48, s2, r);
        ConvInputGradInPlace gl = (ConvInputGradInPlace) new ConvInputGrad(dilated, gs, null, ge, false)
                .inPlaceKernel(7);
        assertEquals(4, gl.group());
        assertEquals(4 * (4 * 4 + 8 * 8), gl.scratch().elements, "four channels' output and input planes");
        ConvInputGradInPlace gp = (ConvInputGradInPlace) new ConvInputGrad(expand, ge, null, gx, false)
                .inPlaceKernel(7);
        assertEquals(ConvInputGradInPlace.POINTWISE_SCRATCH / 16, gp.group());
        assertEquals(ConvInputGradInPlace.POINTWISE_SCRATCH, gp.scratch().elements);
        assertArrayEquals(new Buf[] {ge, gx}, gp.inPlace());
        assertNotNull(gp.outOfPlace());
        assertNull(new ConvInputGrad(expand, ge, null, gx, true).inPlaceKernel(7), "accumulating");
        assertNull(new ConvInputGrad(dense, ge, null, gx, false).inPlaceKernel(7), "3x3 ungrouped");
    }
}
