package kilotrain.ops.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import kilotrain.ir.Conv2D;
import kilotrain.ops.GradCheck;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Weight-gradient rows computed a chunk at a time equal the whole-tensor kernel's, bit for bit. */
class WeightGradRowsTest {
    @Property(tries = 300, seed = "20261123")
    void chunksEqualTheWholeGradient(@ForAll ConvCase.Kind kind, @ForAll @IntRange(min = 1, max = 2) int stride,
            @ForAll @IntRange(min = 0, max = 2) int pad, @ForAll boolean dilate, @ForAll boolean partial,
            @ForAll long seed) {
        Random r = new Random(seed);
        ConvCase c = new ConvCase(kind, stride, pad, dilate, r);
        Conv2D op = c.op(-128, 127);
        float[] gAcc = GradCheck.randomGrad(r, c.outElements());
        for (int i = 0; i < gAcc.length; i++) {
            if (r.nextInt(4) == 0) {
                gAcc[i] = r.nextBoolean() ? 0.0f : -0.0f;
            }
        }
        int[] kept = partial && kind != ConvCase.Kind.GROUPED ? ConvBackwardTest.randomSubset(r, c.cin) : null;
        byte[] x = c.x;
        if (kept != null) {
            x = new byte[c.inH * c.inW * kept.length];
            for (int p = 0; p < c.inH * c.inW; p++) {
                for (int k = 0; k < kept.length; k++) {
                    x[p * kept.length + k] = c.x[p * c.cin + kept[k]];
                }
            }
        }
        int n = ConvBackward.weightGradSize(op, kept);
        float[] whole = new float[n];
        ConvBackward.weightGrad(op, x, 0, gAcc, 0, kept, whole, 0);
        int rowLen = WeightGradRows.rowLength(op, kept);
        int rows = ConvBackward.weightGradRowChannels(op, kept).length;
        assertEquals(n, rows * rowLen);
        float[] chunk = new float[rowLen * 4 + 2];
        for (int row = 0; row < rows; ) {
            int k = Math.min(rows - row, 1 + r.nextInt(4));
            java.util.Arrays.fill(chunk, Float.NaN);
            WeightGradRows.compute(op, x, 0, gAcc, 0, kept, row, k, chunk, 2);
            for (int i = 0; i < k * rowLen; i++) {
                assertEquals(Float.floatToIntBits(whole[row * rowLen + i]), Float.floatToIntBits(chunk[2 + i]),
                        "row " + row + " element " + i);
            }
            row += k;
        }
    }
}
