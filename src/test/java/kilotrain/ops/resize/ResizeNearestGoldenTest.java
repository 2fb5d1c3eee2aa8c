package kilotrain.ops.resize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import kilotrain.exec.Executor;
import kilotrain.importer.tflite.OperatorModels;
import kilotrain.importer.tflite.TfliteImporter;
import kilotrain.ir.Graph;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.ResizeNearestNeighborOptions;
import org.junit.jupiter.api.Test;

/**
 * TensorFlow Lite Micro's resize_nearest_neighbor_test.cc int8 golden data, byte for byte, through the TFLite import
 * rule and the registered kernel: HorizontalResizeInt8, VerticalResizeInt8, TwoDimensionalResizeInt8,
 * TwoDimensionalResizeWithTwoBatchesInt8, ThreeDimensionalResizeInt8 (align_corners and half_pixel_centers false).
 */
class ResizeNearestGoldenTest {
    static final int[][][] CASES = {
        {{1, 1, 2, 1}, {1, 3}, {-3, 6}, {-3, -3, 6}},
        {{1, 2, 1, 1}, {3, 1}, {3, -9}, {3, 3, -9}},
        {{1, 2, 2, 1}, {3, 3}, {3, -6, 9, 12}, {3, 3, -6, 3, 3, -6, 9, 9, 12}},
        {{2, 2, 2, 1}, {3, 3}, {3, 6, 9, -12, -4, 10, 10, 16},
            {3, 3, 6, 3, 3, 6, 9, 9, -12, -4, -4, 10, -4, -4, 10, 10, 10, 16}},
        {{1, 2, 2, 2}, {3, 3}, {3, 4, -6, 10, 10, 12, -14, 16},
            {3, 4, 3, 4, -6, 10, 3, 4, 3, 4, -6, 10, 10, 12, 10, 12, -14, 16}}};

    @Test
    void tfliteMicroGoldens() {
        for (int[][] c : CASES) {
            int[] in = c[0], size = c[1];
            int[] out = {in[0], size[0], size[1], in[3]};
            byte[] model = OperatorModels.single(97, in, out, new int[][] {size},
                    BuiltinOptions.ResizeNearestNeighborOptions,
                    b -> ResizeNearestNeighborOptions.createResizeNearestNeighborOptions(b, false, false));
            Graph g = TfliteImporter.parse("resize.tflite", model);
            assertArrayEquals(bytes(c[3]), new Executor(g).run(bytes(c[2])), java.util.Arrays.toString(in));
        }
    }

    private static byte[] bytes(int[] v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }
}
