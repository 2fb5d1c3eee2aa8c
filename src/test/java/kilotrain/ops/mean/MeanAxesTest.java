package kilotrain.ops.mean;

import static kilotrain.ops.OpHarness.bytes;
import static kilotrain.ops.OpHarness.run;
import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import kilotrain.KtException;
import kilotrain.exec.Executor;
import kilotrain.importer.tflite.OperatorModels;
import kilotrain.importer.tflite.TfliteImporter;
import kilotrain.ir.Graph;
import kilotrain.ir.Tensor;
import kilotrain.ops.requant.FixedPointMath;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.ReducerOptions;
import org.junit.jupiter.api.Test;

/**
 * MEAN over axes other than H and W: TensorFlow Lite Micro's reduce_test.cc MeanInt82DKeepDims (input [2, 4], axis 1)
 * and MeanInt83DKeepDims (input [2, 2, 2], axes 1 and 2) byte for byte through the import rule (its goldens 2.5 and
 * 6.5 at scale 0.5 come out exactly), the time axis of [N, T, C] and the channel axis against a plain per-element
 * reference of both integer rules (truncating division; QuantizedMeanOrSum's requantization), the backward against
 * central differences, and the error that names what is supported.
 */
class MeanAxesTest {
    static byte[] mean(int[] in, int[] out, int[] axes) {
        return OperatorModels.single(40, in, out, new int[][] {axes}, BuiltinOptions.ReducerOptions,
                b -> ReducerOptions.createReducerOptions(b, true));
    }

    @Test
    void tfliteMicroGoldens() {
        byte[] x = bytes(2, 4, 6, 8, 10, 12, 14, 16); // 1.0 .. 8.0 at scale 0.5
        Graph g2 = TfliteImporter.parse("mean2d.tflite", mean(new int[] {2, 4}, new int[] {2, 1}, new int[] {1}));
        assertArrayEquals(bytes(5, 13), new Executor(g2).run(x));
        Graph g3 = TfliteImporter.parse("mean3d.tflite", mean(new int[] {2, 2, 2}, new int[] {2, 1, 1},
                new int[] {1, 2}));
        assertArrayEquals(bytes(5, 13), new Executor(g3).run(x));
        Graph neg = TfliteImporter.parse("mean-1.tflite", mean(new int[] {2, 4}, new int[] {2, 1}, new int[] {-1}));
        assertArrayEquals(bytes(5, 13), new Executor(neg).run(x));
    }

    @Test
    void axesThatAreNotAdjacentAreRefusedByName() {
        KtException e = assertThrows(KtException.class, () -> TfliteImporter.parse("bad.tflite",
                mean(new int[] {1, 4, 4, 3}, new int[] {1, 1, 4, 1}, new int[] {1, 3})));
        assertTrue(e.getMessage().contains("MEAN over axes [1, 3]") && e.getMessage().contains("adjacent axes"),
                e.getMessage());
    }

    /** The reference: for each (outer, inner), the sum over the reduced run, then TFLite's rule. */
    static byte[] reference(byte[] x, int outer, int count, int inner, Tensor in, Tensor out) {
        byte[] y = new byte[outer * inner];
        boolean same = in.quant.equals(out.quant);
        FixedPointMath.Multiplier q = FixedPointMath.quantizeMultiplier((double) in.quant.scale()
                / (double) out.quant.scale());
        int s = Math.min(Math.min(63 - Long.numberOfLeadingZeros(count), 32), 31 + q.shift());
        int mult = (int) (((long) q.multiplier() << s) / count);
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int sum = 0;
                for (int k = 0; k < count; k++) {
                    sum += x[(o * count + k) * inner + i];
                }
                int v = same ? sum / count : FixedPointMath.multiplyByQuantizedMultiplier(sum - in.quant.zeroPoint()
                        * count, mult, q.shift() - s) + out.quant.zeroPoint();
                y[o * inner + i] = (byte) Math.max(-128, Math.min(127, v));
            }
        }
        return y;
    }

    @Test
    void timeAndChannelAxesAgainstThePlainReference() {
        Random r = new Random(7);
        Object[][] cases = {
            // input shape, axes, outer, count, inner
            {new int[] {2, 9, 5}, new int[] {1}, 2, 9, 5},
            {new int[] {1, 3, 4, 6}, new int[] {-1}, 12, 6, 1},
            {new int[] {1, 3, 4, 6}, new int[] {2, 3}, 3, 24, 1},
            {new int[] {3, 7}, new int[] {0}, 1, 3, 7}};
        for (Object[] c : cases) {
            int[] shape = (int[]) c[0];
            int outer = (int) c[2], count = (int) c[3], inner = (int) c[4];
            for (Tensor[] io : new Tensor[][] {
                {t("x", 0.05, -128, shape), t("y", 0.02, 127, outer * inner)},
                {t("x", 0.1, 4, shape), t("y", 0.1, 4, outer * inner)},
                {t("x", 0.02, 127, shape), t("y", 0.05, -9, outer, inner)}}) {
                Mean m = new Mean("m", io[0], io[1], (int[]) c[1]);
                assertEquals(outer, m.outer);
                assertEquals(count, m.count);
                assertEquals(inner, m.inner);
                byte[] x = new byte[io[0].elements()];
                r.nextBytes(x);
                assertArrayEquals(reference(x, outer, count, inner, io[0], io[1]), run(m, x));
            }
        }
    }

    @Test
    void backwardMatchesCentralDifferences() {
        Random r = new Random(8);
        Tensor in = t("x", 0.05, 3, 2, 9, 5), out = t("y", 0.04, -7, 2, 5);
        Mean m = new Mean("m", in, out, new int[] {1});
        int d = 12, checked = 0;
        for (int trial = 0; trial < 20; trial++) {
            byte[] x = new byte[in.elements()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (byte) (r.nextInt(256 - 2 * d) - 128 + d);
            }
            for (int o = 0; o < 2; o++) {
                for (int i = 0; i < 5; i++) {
                    float[] gy = new float[10];
                    gy[o * 5 + i] = 1f;
                    float[] gx = new float[x.length];
                    MeanBackward.grad(m, m.gradientFactor(), gy, null, 0, gx, false);
                    byte[] xu = x.clone(), xd = x.clone();
                    double sum = 0;
                    for (int k = 0; k < 9; k++) {
                        int e = (o * 9 + k) * 5 + i;
                        sum += gx[e];
                        xu[e] += d;
                        xd[e] -= d;
                    }
                    int up = run(m, xu)[o * 5 + i], down = run(m, xd)[o * 5 + i];
                    if (up == 127 || down == -128) {
                        continue; // saturated: the forward's mask zeroes the gradient there (MeanBackwardTest)
                    }
                    assertEquals((up - down) / (2.0 * d), sum, 1.0 / d, "output " + o + "," + i);
                    checked++;
                }
            }
        }
        assertTrue(checked > 150, checked + " outputs checked");
    }
}
