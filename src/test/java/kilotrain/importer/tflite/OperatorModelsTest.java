package kilotrain.importer.tflite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

import kilotrain.exec.Executor;
import kilotrain.ir.Graph;
import kilotrain.ops.maxpool.MaxPool2D;
import kilotrain.ops.mean.Mean;
import kilotrain.ops.pad.Pad;

/** The new operators imported from a TFLite file and run as a graph, behind a float interface. */
class OperatorModelsTest {
    /** A uint8 interface is an interface too: the int8 graph after its QUANTIZE runs, on the same int8 data. */
    @Test
    void uint8InterfaceModelRunsItsInt8Graph() {
        Graph g = TfliteImporter.parse("uint8_in.tflite", OperatorModels.uint8InterfacePadPoolMean());
        Graph f = TfliteImporter.parse("float_io.tflite", OperatorModels.floatInterfacePadPoolMean());
        assertTrue(g.uint8Input && !g.floatInput && !g.floatOutput);
        assertEquals("quantized", g.input.name);
        assertEquals(f.input.quant.scale(), g.input.quant.scale());
        assertEquals(f.input.quant.zeroPoint(), g.input.quant.zeroPoint());
        Executor a = new Executor(g), b = new Executor(f);
        Random r = new Random(6);
        for (int trial = 0; trial < 10; trial++) {
            byte[] x = new byte[32];
            r.nextBytes(x);
            assertArrayEquals(b.run(x), a.run(x));
        }
    }

    @Test
    void floatInterfaceModelRunsItsInt8Graph() {
        Graph g = TfliteImporter.parse("float_io.tflite", OperatorModels.floatInterfacePadPoolMean());
        assertTrue(g.floatInput && g.floatOutput);
        assertEquals("quantized", g.input.name);
        assertEquals("mean", g.output.name);
        assertEquals(3, g.ops.size());
        Pad pad = (Pad) g.ops.get(0);
        MaxPool2D pool = (MaxPool2D) g.ops.get(1);
        Mean mean = (Mean) g.ops.get(2);
        assertArrayEquals(new int[] {1, 0}, pad.paddings[1]);
        assertArrayEquals(new int[] {0, 1}, pad.paddings[2]);
        assertEquals(OperatorModels.IN_ZERO, pad.fill);
        // RELU6 fused in the output's quantization: 0 -> z = -3, 6 / 0.05 - 3 = 117
        assertEquals(-3, pool.actMin);
        assertEquals(117, pool.actMax);
        assertTrue(!mean.sameQuant);

        Executor ex = new Executor(g);
        Random r = new Random(5);
        for (int trial = 0; trial < 20; trial++) {
            byte[] x = new byte[32];
            r.nextBytes(x);
            byte[] padded = new byte[50], pooled = new byte[18], want = new byte[2];
            java.util.Arrays.fill(padded, (byte) -3); // one row on top and one column on the right
            for (int h = 0; h < 4; h++) {
                System.arraycopy(x, h * 8, padded, (h + 1) * 10, 8);
            }
            MaxPool2D.forward(padded, 5, 5, 2, 3, 3, 2, 2, 2, 2, 0, 0, -3, 117, pooled);
            Mean.meanRequant(pooled, 0, 9, 2, -3, mean.multiplier, mean.shift, 5, want, 0, new int[2]);
            assertArrayEquals(want, ex.run(x));
        }
    }

    @Test
    void transposeThenStridedSliceWithMasks() {
        Graph g = TfliteImporter.parse("nchw.tflite", OperatorModels.transposeSlice());
        byte[] x = new byte[24];
        for (int i = 0; i < 24; i++) {
            x[i] = (byte) i; // x[c][h][w] = c * 12 + h * 4 + w
        }
        byte[] y = new Executor(g).run(x);
        // nhwc[h][w][c] = x[c][h][w]; slice h = 1..2, w = 3, 1 (start -1 -> 3, stride -2, end masked), all c
        int k = 0;
        for (int h = 1; h <= 2; h++) {
            for (int w = 3; w >= 1; w -= 2) {
                for (int c = 0; c < 2; c++) {
                    assertEquals(c * 12 + h * 4 + w, y[k++], "h " + h + " w " + w + " c " + c);
                }
            }
        }
    }
}
