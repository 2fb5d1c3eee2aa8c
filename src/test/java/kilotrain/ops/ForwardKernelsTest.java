package kilotrain.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import kilotrain.ir.Add;
import kilotrain.ir.Quant;
import kilotrain.ir.Requant;
import kilotrain.ops.add.AddKernel;
import kilotrain.ops.fc.FullyConnectedKernel;
import kilotrain.ops.pool.AvgPoolKernel;
import kilotrain.ops.requant.FixedPointMath;
import kilotrain.ops.requant.Requantizer;
import kilotrain.ops.softmax.SoftmaxKernel;
import org.junit.jupiter.api.Test;

class ForwardKernelsTest {
    @Test
    void avgPoolRoundings() {
        assertEquals(3, AvgPoolKernel.tfliteMean(5, 2));
        assertEquals(-3, AvgPoolKernel.tfliteMean(-5, 2));
        assertEquals(1, AvgPoolKernel.tfliteMean(4, 3));
        assertEquals(2, AvgPoolKernel.tfliteMean(5, 3));
        assertEquals(-2, AvgPoolKernel.tfliteMean(-5, 3));
        assertEquals(2, AvgPoolKernel.floatRintMean(5, 2)); // 2.5 -> even
        assertEquals(4, AvgPoolKernel.floatRintMean(7, 2)); // 3.5 -> even
        assertEquals(-2, AvgPoolKernel.floatRintMean(-5, 2));
        assertEquals(2, AvgPoolKernel.floatRintMean(37, 16)); // 2.3125
    }

    /** A 3x3 window with padding 1 over a 2x2 input counts only the in-bounds pixels (TFLite). */
    @Test
    void avgPoolCountsOnlyInBoundsPixels() {
        byte[] x = {1, 10, 2, 20, 4, 40, 8, 80}; // 2x2x2
        byte[] y = new byte[8];
        AvgPoolKernel.forward(x, 0, 2, 2, 2, 2, 2, 3, 3, 1, 1, 1, 1, false, -128, 127, y, 0);
        // every output window covers all 4 pixels: channel 0 mean 15/4 = 3.75 -> 4, channel 1 150/4 = 37.5 -> 38
        assertArrayEquals(new byte[] {4, 38, 4, 38, 4, 38, 4, 38}, y);
        AvgPoolKernel.forward(x, 0, 2, 2, 2, 1, 1, 2, 2, 1, 1, 0, 0, true, -128, 127, y, 0);
        assertEquals(4, y[0]);
        assertEquals(38, y[1]); // rint(37.5) = 38 (even)
    }

    @Test
    void paperAddIsFloat32() {
        Quant a = Quant.perTensor(0.05, 3), b = Quant.perTensor(0.1, -7), y = Quant.perTensor(0.12, 2);
        AddKernel k = new AddKernel(1, a, b, y, Add.Rule.FLOAT_RINT, -128, 127);
        SplittableRandom r = new SplittableRandom(1);
        byte[] out = new byte[1];
        for (int i = 0; i < 2000; i++) {
            byte qa = (byte) r.nextInt(256), qb = (byte) r.nextInt(256);
            k.forward(new byte[] {qa}, 0, new byte[] {qb}, 0, out, 0);
            float v = ((qa - 3f) * 0.05f + (qb + 7f) * 0.1f) / 0.12f;
            float q = (float) Math.rint(v) + 2f;
            assertEquals((int) Math.max(-128, Math.min(127, q)), out[0]);
        }
    }

    /** TFLite's ADD is within one step of the exact real-valued result, and exact on representable sums. */
    @Test
    void tfliteAddIsCloseToExactAndExactOnGridPoints() {
        Quant a = Quant.perTensor(0.5, 0), b = Quant.perTensor(0.5, 0), y = Quant.perTensor(1.0, 0);
        AddKernel k = new AddKernel(1, a, b, y, Add.Rule.TFLITE_FIXED_POINT, -128, 127);
        assertEquals(4, k.fixedPoint(3, 5));
        assertEquals(-4, k.fixedPoint(-3, -5));
        Quant a2 = Quant.perTensor(0.0784, -5), b2 = Quant.perTensor(0.0423, 11), y2 = Quant.perTensor(0.0931, -2);
        AddKernel k2 = new AddKernel(1, a2, b2, y2, Add.Rule.TFLITE_FIXED_POINT, -128, 127);
        for (int qa = -128; qa < 128; qa++) {
            for (int qb = -128; qb < 128; qb += 3) {
                double exact = ((qa + 5) * (double) a2.scale() + (qb - 11) * (double) b2.scale()) / y2.scale() - 2;
                int want = (int) Math.max(-128, Math.min(127, Math.round(exact)));
                assertTrue(Math.abs(k2.fixedPoint(qa, qb) - want) <= 1, qa + " + " + qb);
            }
        }
    }

    @Test
    void fullyConnectedMatchesDirectSum() {
        SplittableRandom r = new SplittableRandom(2);
        int in = 37, outF = 11;
        byte[] w = new byte[in * outF], x = new byte[in + 2];
        int[] bias = new int[outF];
        for (int i = 0; i < w.length; i++) {
            w[i] = (byte) r.nextInt(-127, 128);
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (byte) r.nextInt(256);
        }
        for (int i = 0; i < outF; i++) {
            bias[i] = r.nextInt(-3000, 3000);
        }
        float[] ws = new float[outF];
        for (int i = 0; i < outF; i++) {
            ws[i] = (float) r.nextDouble(0.001, 0.01);
        }
        Requant.FixedPoint fp = FixedPointMath.forScales(0.05f, ws, 0.2f);
        Requantizer rq = Requantizer.of(fp, outF, -3, -128, 127);
        FullyConnectedKernel k = new FullyConnectedKernel(in, outF, 7, w, bias, rq);
        Scratch.Sizer sz = new Scratch.Sizer();
        k.reserve(sz);
        byte[] y = new byte[outF];
        k.forward(x, 2, y, 0, sz.allocate());
        for (int o = 0; o < outF; o++) {
            int acc = bias[o];
            for (int i = 0; i < in; i++) {
                acc += w[o * in + i] * (x[2 + i] - 7);
            }
            int q = FixedPointMath.multiplyByQuantizedMultiplier(acc, fp.multipliers()[o], fp.shifts()[o]) - 3;
            assertEquals(Math.max(-128, Math.min(127, q)), y[o], "output " + o);
        }
    }

    @Test
    void softmaxIsADistributionAndKeepsTheRanking() {
        byte[] x = {-20, 5, 90, 90, -128, 0};
        byte[] y = new byte[6];
        SoftmaxKernel.forward(x, 0, 6, 0.02f, -3, 1f, 1f / 256, -128, y, 0, new double[6]);
        int sum = 0;
        for (byte v : y) {
            sum += v + 128;
        }
        assertTrue(Math.abs(sum - 256) <= 3, "sum " + sum);
        assertEquals(y[2], y[3]);
        assertTrue(y[2] > y[1] && y[1] > y[5] && y[5] > y[0] && y[0] > y[4]);
        // softmax of equal logits is uniform: 1/2 -> 128 steps of 1/256 -> q = 0
        SoftmaxKernel.forward(new byte[] {4, 4}, 0, 2, 0.5f, 0, 1f, 1f / 256, -128, y, 0, new double[2]);
        assertEquals(0, y[0]);
        assertEquals(0, y[1]);
    }
}
