package kilotrain.ops.fc;

import static kilotrain.ops.GradCheck.assertClose;
import static kilotrain.ops.GradCheck.centralDiff;
import static kilotrain.ops.GradCheck.loss;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import kilotrain.ir.DType;
import kilotrain.ir.FullyConnected;
import kilotrain.ir.Quant;
import kilotrain.ir.Requant;
import kilotrain.ir.Tensor;
import kilotrain.ops.GradCheck;
import kilotrain.ops.conv.ConvMask;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class FcBackwardTest {

    @Property(tries = 300, seed = "20261123")
    void gradientsMatchFiniteDifferences(@ForAll @IntRange(min = 1, max = 24) int in,
            @ForAll @IntRange(min = 2, max = 12) int out, @ForAll long seed) {
        Random r = new Random(seed);
        int zx = r.nextInt(41) - 20, zy = r.nextInt(21) - 10;
        byte[] x = GradCheck.randomInt8(r, in, -128, 127);
        byte[] w = GradCheck.randomInt8(r, out * in, -127, 127);
        int[] b = new int[out];
        float[] eff = new float[out];
        for (int o = 0; o < out; o++) {
            b[o] = r.nextInt(2001) - 1000;
            eff[o] = (float) ((0.5 + r.nextDouble()) * 70.0 / (Math.sqrt(in) * 73 * 75));
        }
        double[] xv = GradCheck.toDouble(x), wv = GradCheck.toDouble(w), bv = GradCheck.toDouble(b);
        int[] e = GradCheck.clampEdges(relaxed(xv, wv, bv, eff, in, out, zx, zy));
        Assume.that(e != null);
        FullyConnected op = op(in, out, zx, zy, w, b, eff, e[0], e[1]);

        float[] rz = new float[out];
        for (int o = 0; o < out; o++) {
            int acc = 0;
            for (int i = 0; i < in; i++) {
                acc += w[o * in + i] * (x[i] - zx);
            }
            rz[o] = (float) Math.rint((float) (acc + b[o]) * eff[o]);
        }
        byte[] mask = new byte[ConvMask.bytes(out)];
        ConvMask.pack(rz, 0, out, zy, e[0], e[1], mask, 0);
        float[] gY = GradCheck.randomGrad(r, out);
        float[] gAcc = new float[out];
        FcBackward.outputGrad(op, gY, 0, mask, 0, eff, gAcc, 0);
        float[] gB = new float[out], gW = new float[out * in], gX = new float[in];
        FcBackward.biasGrad(op, gAcc, 0, gB, 0);
        FcBackward.weightGrad(op, x, 0, gAcc, 0, null, gW, 0);
        FcBackward.inputGrad(op, w, 0, gAcc, 0, gX, 0);
        double h = 0.25;
        int lo = e[0], hi = e[1];
        assertClose("g_b", gB, 0, centralDiff(bv, h, p -> loss(relaxed(xv, wv, p, eff, in, out, zx, zy), gY, lo, hi)),
                2e-5, 1e-9);
        assertClose("g_W", gW, 0, centralDiff(wv, h, p -> loss(relaxed(xv, p, bv, eff, in, out, zx, zy), gY, lo, hi)),
                2e-5, 1e-9);
        assertClose("g_x", gX, 0, centralDiff(xv, h, p -> loss(relaxed(p, wv, bv, eff, in, out, zx, zy), gY, lo, hi)),
                2e-5, 1e-9);

        // partial features: the same numbers at the kept positions
        int[] kept = {0, in - 1};
        if (in == 1) {
            kept = new int[] {0};
        }
        byte[] xk = new byte[kept.length];
        for (int k = 0; k < kept.length; k++) {
            xk[k] = x[kept[k]];
        }
        float[] part = new float[out * kept.length];
        FcBackward.weightGrad(op, xk, 0, gAcc, 0, kept, part, 0);
        int[] idx = FcBackward.weightSliceIndex(op, kept);
        for (int i = 0; i < part.length; i++) {
            assertEquals(Float.floatToIntBits(gW[idx[i]]), Float.floatToIntBits(part[i]));
        }
    }

    static double[] relaxed(double[] x, double[] w, double[] b, float[] eff, int in, int out, int zx, int zy) {
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double acc = 0;
            for (int i = 0; i < in; i++) {
                acc += w[o * in + i] * (x[i] - zx);
            }
            y[o] = (acc + b[o]) * eff[o] + zy;
        }
        return y;
    }

    static FullyConnected op(int in, int out, int zx, int zy, byte[] w, int[] b, float[] eff, int lo, int hi) {
        Tensor x = new Tensor("x", new int[] {1, in}, DType.INT8, Quant.perTensor(0.05, zx));
        Tensor wt = Tensor.int8("w", new int[] {out, in}, Quant.perAxis(new double[out], new int[out], 0), w);
        Tensor bt = Tensor.int32("b", new int[] {out}, null, b);
        Tensor y = new Tensor("y", new int[] {1, out}, DType.INT8, Quant.perTensor(0.1, zy));
        return new FullyConnected("fc", x, wt, bt, y, new Requant.FloatRint(eff), lo, hi, "NONE");
    }
}
