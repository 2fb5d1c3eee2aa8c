package kilotrain.ops.pool;

import static kilotrain.ops.GradCheck.assertClose;
import static kilotrain.ops.GradCheck.centralDiff;
import static kilotrain.ops.GradCheck.loss;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import kilotrain.ir.AvgPool2D;
import kilotrain.ir.DType;
import kilotrain.ir.Padding;
import kilotrain.ir.Quant;
import kilotrain.ir.Tensor;
import kilotrain.ops.GradCheck;
import kilotrain.ops.conv.ConvMask;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class AvgPoolBackwardTest {

    @Property(tries = 300, seed = "20261123")
    void gradientMatchesFiniteDifferences(@ForAll @IntRange(min = 1, max = 3) int filter,
            @ForAll @IntRange(min = 1, max = 2) int stride, @ForAll @IntRange(min = 0, max = 2) int pad,
            @ForAll boolean global, @ForAll boolean clamp, @ForAll long seed) {
        Random r = new Random(seed);
        int ch = 1 + r.nextInt(3);
        int[] p = global ? new int[4] : pad == 0 ? new int[4] : pad == 1 ? new int[] {1, 1, 1, 1} : new int[] {0, 1, 1, 0};
        int inH = Math.max(1, filter - p[0] - p[2]) + r.nextInt(4), inW = Math.max(1, filter - p[1] - p[3]) + r.nextInt(4);
        int fh = global ? inH : filter, fw = global ? inW : filter, s = global ? 1 : stride;
        Assume.that(fh > p[0] && fh > p[2] && fw > p[1] && fw > p[3]);
        int outH = Padding.outSize(inH, fh, s, 1, p[0], p[2]), outW = Padding.outSize(inW, fw, s, 1, p[1], p[3]);
        int z = r.nextInt(21) - 10;
        Tensor in = new Tensor("x", new int[] {1, inH, inW, ch}, DType.INT8, Quant.perTensor(0.1, z));
        Tensor out = new Tensor("y", new int[] {1, outH, outW, ch}, DType.INT8, Quant.perTensor(0.1, z));
        byte[] x = GradCheck.randomInt8(r, inH * inW * ch, -128, 127);
        double[] xv = GradCheck.toDouble(x);
        Padding padding = new Padding(p[0], p[1], p[2], p[3]);
        AvgPool2D probe = new AvgPool2D("pool", in, out, fh, fw, s, s, padding, AvgPool2D.Rounding.FLOAT_RINT, -128,
                127);
        double[] y0 = relaxed(probe, xv);
        int lo = -128, hi = 127;
        byte[] mask = null;
        if (clamp) {
            int[] e = GradCheck.clampEdges(y0);
            Assume.that(e != null);
            lo = e[0];
            hi = e[1];
            mask = new byte[ConvMask.bytes(y0.length)];
            for (int i = 0; i < y0.length; i++) {
                ConvMask.put(mask, 0, i, y0[i] >= lo && y0[i] <= hi);
            }
        }
        AvgPool2D op = new AvgPool2D("pool", in, out, fh, fw, s, s, padding, AvgPool2D.Rounding.FLOAT_RINT, lo, hi);
        float[] gY = GradCheck.randomGrad(r, y0.length);
        float[] gX = new float[x.length + 2];
        AvgPoolBackward.inputGrad(op, gY, 0, mask, 0, gX, 2);
        // without a mask the clamp never binds (a mean of int8 stays in range), even on its edge
        int l = clamp ? lo : -1000, h = clamp ? hi : 1000;
        assertClose("g_x", gX, 2, centralDiff(xv, 0.25, q -> loss(relaxed(op, q), gY, l, h)), 2e-6, 1e-9);
    }

    @Test
    void globalPoolSpreadsTheGradientTimesTheReciprocalOfTheCount() {
        Tensor in = new Tensor("x", new int[] {1, 3, 2, 1}, DType.INT8, Quant.perTensor(0.1, 0));
        Tensor out = new Tensor("y", new int[] {1, 1, 1, 1}, DType.INT8, Quant.perTensor(0.1, 0));
        AvgPool2D op = new AvgPool2D("gap", in, out, 3, 2, 1, 1, Padding.NONE, AvgPool2D.Rounding.FLOAT_RINT, -128,
                127);
        float[] gX = new float[6];
        AvgPoolBackward.inputGrad(op, new float[] {0.3f}, 0, null, 0, gX, 0);
        for (float v : gX) {
            assertEquals(0.3f * (1.0f / 6.0f), v);
        }
    }

    /** The mean over the in-bounds window pixels (same quantization in and out, so the zero points cancel). */
    static double[] relaxed(AvgPool2D op, double[] x) {
        int inH = op.input.height(), inW = op.input.width(), ch = op.input.channels();
        int outH = op.output.height(), outW = op.output.width();
        double[] y = new double[outH * outW * ch];
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                for (int c = 0; c < ch; c++) {
                    double sum = 0;
                    int n = 0;
                    for (int ky = 0; ky < op.filterH; ky++) {
                        for (int kx = 0; kx < op.filterW; kx++) {
                            int iy = oy * op.strideH - op.padding.top() + ky, ix = ox * op.strideW - op.padding.left() + kx;
                            if (iy >= 0 && iy < inH && ix >= 0 && ix < inW) {
                                sum += x[(iy * inW + ix) * ch + c];
                                n++;
                            }
                        }
                    }
                    y[(oy * outW + ox) * ch + c] = sum / n;
                }
            }
        }
        return y;
    }
}
