package kilotrain.ops.add;

import static kilotrain.ops.GradCheck.assertClose;
import static kilotrain.ops.GradCheck.centralDiff;
import static kilotrain.ops.GradCheck.loss;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import kilotrain.ir.Add;
import kilotrain.ir.DType;
import kilotrain.ir.Quant;
import kilotrain.ir.Tensor;
import kilotrain.ops.GradCheck;
import kilotrain.ops.conv.ConvMask;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class AddBackwardTest {

    @Property(tries = 300, seed = "20261123")
    void gradientsMatchFiniteDifferences(@ForAll @IntRange(min = 1, max = 40) int n, @ForAll long seed) {
        Random r = new Random(seed);
        double s1 = 0.01 + r.nextDouble() * 0.1, s2 = 0.01 + r.nextDouble() * 0.1, sy = 0.02 + r.nextDouble() * 0.15;
        int z1 = r.nextInt(41) - 20, z2 = r.nextInt(41) - 20, zy = r.nextInt(21) - 10;
        byte[] x1 = GradCheck.randomInt8(r, n, -128, 127), x2 = GradCheck.randomInt8(r, n, -128, 127);
        double[] a = GradCheck.toDouble(x1), b = GradCheck.toDouble(x2);
        int[] e = GradCheck.clampEdges(relaxed(a, b, s1, s2, sy, z1, z2, zy));
        Assume.that(e != null);
        Tensor t1 = new Tensor("a", new int[] {1, n}, DType.INT8, Quant.perTensor(s1, z1));
        Tensor t2 = new Tensor("b", new int[] {1, n}, DType.INT8, Quant.perTensor(s2, z2));
        Tensor ty = new Tensor("y", new int[] {1, n}, DType.INT8, Quant.perTensor(sy, zy));
        Add op = new Add("add", t1, t2, ty, Add.Rule.FLOAT_RINT, e[0], e[1]);
        float f1 = (float) s1, f2 = (float) s2, fy = (float) sy;
        float[] rz = new float[n];
        for (int i = 0; i < n; i++) {
            rz[i] = (float) Math.rint(((x1[i] - z1) * f1 + (x2[i] - z2) * f2) / fy);
        }
        byte[] mask = new byte[ConvMask.bytes(n)];
        ConvMask.pack(rz, 0, n, zy, e[0], e[1], mask, 0);
        float[] gY = GradCheck.randomGrad(r, n);
        float[] g1 = new float[n], g2 = new float[n + 1];
        AddBackward.inputGrads(op, gY, 0, mask, 0, g1, 0, g2, 1);
        assertEquals((float) (s1 / sy), AddBackward.ratioA(op));
        int lo = e[0], hi = e[1];
        assertClose("g_x1", g1, 0, centralDiff(a, 0.25, p -> loss(relaxed(p, b, s1, s2, sy, z1, z2, zy), gY, lo, hi)),
                1e-6, 1e-9);
        assertClose("g_x2", g2, 1, centralDiff(b, 0.25, p -> loss(relaxed(a, p, s1, s2, sy, z1, z2, zy), gY, lo, hi)),
                1e-6, 1e-9);
    }

    static double[] relaxed(double[] a, double[] b, double s1, double s2, double sy, int z1, int z2, int zy) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            y[i] = (s1 * (a[i] - z1) + s2 * (b[i] - z2)) / sy + zy;
        }
        return y;
    }
}
