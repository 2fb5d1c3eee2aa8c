package kilotrain.ops.elementwise;

import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Random;

import org.junit.jupiter.api.Test;

import kilotrain.ir.Tensor;
import kilotrain.ops.GradCheck;

/**
 * Numeric gradient check of MUL, SUB and broadcasting ADD: the backward of {@code L = sum g_y * clamp(y)} equals the
 * central differences of the real-valued relaxation of each operator in the quantized domain, with respect to every
 * element of both operands, over broadcasting shapes (either operand broadcast, both, a scalar, odd sizes) and zero
 * points at the extremes; the clamp edges are chosen 1 away from every relaxed output so that the int8 forward's mask
 * is the relaxation's.
 */
class BinaryGradTest {
    static final int[][][] SHAPES = {
        {{1, 3, 5, 4}, {1, 1, 1, 4}}, {{1, 1, 1, 4}, {1, 3, 5, 4}}, {{2, 3, 1, 2}, {2, 1, 3, 1}},
        {{3, 5}, {}}, {{1, 5, 3}, {1, 5, 3}}, {{7}, {1, 7}}};
    static final int[][] ZEROS = {{-128, 127}, {3, -7}, {127, -128}};

    static double relaxed(Binary.Kind k, double a, double b, double sa, double sb, double sy, int za, int zb, int zy) {
        double x = sa * (a - za), y = sb * (b - zb);
        return zy + switch (k) {
            case ADD -> (x + y) / sy;
            case SUB -> (x - y) / sy;
            case MUL -> x * y / sy;
        };
    }

    @Test
    void everyKindEveryShape() {
        Random r = new Random(7);
        int checked = 0;
        for (Binary.Kind kind : Binary.Kind.values()) {
            for (int[][] s : SHAPES) {
                for (int[] z : ZEROS) {
                    checked += check(kind, s[0], s[1], z[0], z[1], r);
                }
            }
        }
        assertEquals(Binary.Kind.values().length * SHAPES.length * ZEROS.length, checked);
    }

    static int check(Binary.Kind kind, int[] shapeA, int[] shapeB, int za, int zb, Random r) {
        double sa = 0.02 + r.nextDouble() * 0.05, sb = 0.01 + r.nextDouble() * 0.05;
        double sy = kind == Binary.Kind.MUL ? sa * sb * 400 : (sa + sb) * 2.2;
        int zy = r.nextInt(41) - 20;
        Tensor a = t("a", sa, za, shapeA), b = t("b", sb, zb, shapeB);
        int[] outShape = Binary.broadcastShape(shapeA, shapeB);
        Tensor y = t("y", sy, zy, outShape);
        int n = y.elements();
        byte[] qa = GradCheck.randomInt8(r, a.elements(), -128, 127), qb = GradCheck.randomInt8(r, b.elements(), -128,
                127);
        int[] ia = Binary.indexMap(shapeA, outShape), ib = Binary.indexMap(shapeB, outShape);
        float fa = (float) sa, fb = (float) sb, fy = (float) sy;
        double[] da = GradCheck.toDouble(qa), db = GradCheck.toDouble(qb);
        java.util.function.BiFunction<double[], double[], double[]> f = (xa, xb) -> {
            double[] out = new double[n];
            for (int i = 0; i < n; i++) {
                out[i] = relaxed(kind, xa[ia == null ? i : ia[i]], xb[ib == null ? i : ib[i]], fa, fb, fy, za, zb, zy);
            }
            return out;
        };
        int[] edges = GradCheck.clampEdges(f.apply(da, db));
        assertNotNull(edges, "no clamp edges 1 away from the outputs");
        Binary op = new Binary("op", kind, a, b, y, edges[0], edges[1]);
        BinaryKernel k = new BinaryKernel(op);
        byte[] out = new byte[n], mask = new byte[(n + 7) / 8];
        k.forward(qa, 0, qb, 0, out, 0, mask, 0);
        float[] gY = GradCheck.randomGrad(r, n);
        // the gradient of a starts at some other rule's value (accumulated), that of b fresh
        float[] gA = new float[a.elements()], gB = new float[b.elements()], start = new float[a.elements()];
        for (int i = 0; i < gA.length; i++) {
            start[i] = gA[i] = r.nextFloat();
        }
        k.backward(false, gY, mask, 0, qb, 0, gA, true, new float[Math.max(gA.length, gB.length)]);
        k.backward(true, gY, mask, 0, qa, 0, gB, false, null);
        for (int i = 0; i < gA.length; i++) {
            gA[i] -= start[i];
        }
        double[] numA = GradCheck.centralDiff(da, 1e-3, x -> GradCheck.loss(f.apply(x, db), gY, edges[0], edges[1]));
        double[] numB = GradCheck.centralDiff(db, 1e-3, x -> GradCheck.loss(f.apply(da, x), gY, edges[0], edges[1]));
        String what = kind + " " + java.util.Arrays.toString(shapeA) + " x " + java.util.Arrays.toString(shapeB);
        GradCheck.assertClose(what + " g_a", gA, 0, numA, 1e-4, 1e-5);
        GradCheck.assertClose(what + " g_b", gB, 0, numB, 1e-4, 1e-5);
        return 1;
    }

    /** x * x: both operands one tensor, the second term added to the first. */
    @Test
    void squareOfOneTensor() {
        Tensor x = t("x", 0.05, -3, 1, 9), y = t("y", 0.01, -100, 1, 9);
        byte[] q = {-128, -60, -3, 0, 5, 20, 40, 60, 100};
        double[] dq = GradCheck.toDouble(q);
        double[] relaxed = new double[9];
        for (int i = 0; i < 9; i++) {
            relaxed[i] = relaxed(Binary.Kind.MUL, q[i], q[i], 0.05f, 0.05f, 0.01f, -3, -3, -100);
        }
        int[] edges = GradCheck.clampEdges(relaxed);
        Binary op = new Binary("sq", Binary.Kind.MUL, x, x, y, edges[0], edges[1]);
        BinaryKernel k = new BinaryKernel(op);
        byte[] mask = new byte[2];
        k.forward(q, 0, q, 0, new byte[9], 0, mask, 0);
        float[] gY = GradCheck.randomGrad(new Random(3), 9), g = new float[9];
        k.backward(false, gY, mask, 0, q, 0, g, false, null);
        k.backward(true, gY, mask, 0, q, 0, g, true, null);
        double[] num = GradCheck.centralDiff(dq, 1e-3, v -> {
            double l = 0;
            for (int i = 0; i < 9; i++) {
                double yv = relaxed(Binary.Kind.MUL, v[i], v[i], 0.05f, 0.05f, 0.01f, -3, -3, -100);
                l += gY[i] * Math.min(edges[1], Math.max(edges[0], yv));
            }
            return l;
        });
        GradCheck.assertClose("x * x", g, 0, num, 1e-4, 1e-5);
    }
}
