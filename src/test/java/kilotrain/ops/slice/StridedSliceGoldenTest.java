package kilotrain.ops.slice;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import kilotrain.exec.Executor;
import kilotrain.importer.tflite.OperatorModels;
import kilotrain.importer.tflite.TfliteImporter;
import kilotrain.ir.Graph;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.StridedSliceOptions;
import org.junit.jupiter.api.Test;

/**
 * TensorFlow Lite Micro's strided_slice_test.cc golden data, byte for byte, through the TFLite import rule (begin,
 * end and strides resolved with their masks, negative and out-of-range indices clamped) and the registered kernel.
 * Its float cases hold small integers: the same bytes in int8 (the kernel only moves them).
 */
class StridedSliceGoldenTest {
    /** name, input shape, begin, end, strides, {begin mask, end mask, shrink mask}, output shape, input, golden. */
    static final Object[][] CASES = {
        {"In1D", s(4), s(1), s(3), s(1), s(0, 0, 0), s(2), s(1, 2, 3, 4), s(2, 3)},
        {"In1D_NegativeBegin", s(4), s(-3), s(3), s(1), s(0, 0, 0), s(2), s(1, 2, 3, 4), s(2, 3)},
        {"In1D_OutOfRangeBegin", s(4), s(-5), s(3), s(1), s(0, 0, 0), s(3), s(1, 2, 3, 4), s(1, 2, 3)},
        {"In1D_NegativeEnd", s(4), s(1), s(-2), s(1), s(0, 0, 0), s(1), s(1, 2, 3, 4), s(2)},
        {"In1D_OutOfRangeEnd", s(4), s(-3), s(5), s(1), s(0, 0, 0), s(3), s(1, 2, 3, 4), s(2, 3, 4)},
        {"In1D_BeginMask", s(4), s(1), s(3), s(1), s(1, 0, 0), s(3), s(1, 2, 3, 4), s(1, 2, 3)},
        {"In1D_NegativeBeginNegativeStride", s(4), s(-2), s(-3), s(-1), s(0, 0, 0), s(1), s(1, 2, 3, 4), s(3)},
        {"In1D_OutOfRangeBeginNegativeStride", s(4), s(5), s(2), s(-1), s(0, 0, 0), s(1), s(1, 2, 3, 4), s(4)},
        {"In1D_NegativeEndNegativeStride", s(4), s(2), s(-4), s(-1), s(0, 0, 0), s(2), s(1, 2, 3, 4), s(3, 2)},
        {"In1D_OutOfRangeEndNegativeStride", s(4), s(-3), s(-5), s(-1), s(0, 0, 0), s(2), s(1, 2, 3, 4), s(2, 1)},
        {"In1D_EndMask", s(4), s(1), s(3), s(1), s(0, 1, 0), s(3), s(1, 2, 3, 4), s(2, 3, 4)},
        {"In1D_NegStride", s(3), s(-1), s(-4), s(-1), s(0, 0, 0), s(3), s(1, 2, 3), s(3, 2, 1)},
        {"In1D_OddLenStride2", s(3), s(0), s(3), s(2), s(0, 0, 0), s(2), s(1, 2, 3), s(1, 3)},
        {"In2D", s(2, 3), s(1, 0), s(2, 2), s(1, 1), s(0, 0, 0), s(1, 2), s(1, 2, 3, 4, 5, 6), s(4, 5)},
        {"In2D_Stride2", s(2, 3), s(0, 0), s(2, 3), s(2, 2), s(0, 0, 0), s(1, 2), s(1, 2, 3, 4, 5, 6), s(1, 3)},
        {"In2D_NegStride", s(2, 3), s(1, -1), s(2, -4), s(2, -1), s(0, 0, 0), s(1, 3), s(1, 2, 3, 4, 5, 6),
            s(6, 5, 4)},
        {"In2D_BeginMask", s(2, 3), s(1, 0), s(2, 2), s(1, 1), s(1, 0, 0), s(2, 2), s(1, 2, 3, 4, 5, 6),
            s(1, 2, 4, 5)},
        {"In2D_EndMask", s(2, 3), s(1, 0), s(2, 2), s(1, 1), s(0, 2, 0), s(1, 3), s(1, 2, 3, 4, 5, 6), s(4, 5, 6)},
        {"In2D_NegStrideBeginMask", s(2, 3), s(1, -2), s(2, -4), s(1, -1), s(2, 0, 0), s(1, 3), s(1, 2, 3, 4, 5, 6),
            s(6, 5, 4)},
        {"In2D_NegStrideEndMask", s(2, 3), s(1, -2), s(2, -3), s(1, -1), s(0, 2, 0), s(1, 2), s(1, 2, 3, 4, 5, 6),
            s(5, 4)},
        {"In3D_Strided2", s(2, 3, 2), s(0, 0, 0), s(2, 3, 2), s(2, 2, 2), s(0, 0, 0), s(1, 2, 1),
            s(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), s(1, 5)},
        {"In2D_ShrinkAxis2_BeginEndAxis1_NegativeSlice", s(4, 1), s(0, -1), s(0, 0), s(1, 1), s(1, 1, 2), s(4),
            s(0, 1, 2, 3), s(0, 1, 2, 3)},
        {"In2D_ShrinkAxisMask1", s(2, 3), s(0, 0), s(1, 3), s(1, 1), s(0, 0, 1), s(3), s(1, 2, 3, 4, 5, 6),
            s(1, 2, 3)},
        {"In2D_ShrinkAxisMask2", s(2, 3), s(0, 0), s(2, 1), s(1, 1), s(0, 0, 2), s(2), s(1, 2, 3, 4, 5, 6), s(1, 4)},
        {"In3D_IdentityShrinkAxis1", s(2, 3, 2), s(0, 0, 0), s(1, 3, 2), s(1, 1, 1), s(0, 0, 1), s(3, 2),
            s(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), s(1, 2, 3, 4, 5, 6)},
        {"In3D_IdentityShrinkAxis2", s(2, 3, 2), s(0, 0, 0), s(2, 1, 2), s(1, 1, 1), s(0, 0, 2), s(2, 2),
            s(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), s(1, 2, 7, 8)},
        {"In3D_IdentityShrinkAxis3", s(2, 3, 2), s(0, 0, 0), s(1, 1, 2), s(1, 1, 1), s(0, 0, 3), s(2),
            s(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), s(1, 2)}};

    static int[] s(int... v) {
        return v;
    }

    @Test
    void tfliteMicroGoldens() {
        for (Object[] c : CASES) {
            int[] masks = (int[]) c[5];
            byte[] model = OperatorModels.single(45, (int[]) c[1], (int[]) c[6],
                    new int[][] {(int[]) c[2], (int[]) c[3], (int[]) c[4]}, BuiltinOptions.StridedSliceOptions,
                    b -> StridedSliceOptions.createStridedSliceOptions(b, masks[0], masks[1], 0, 0, masks[2], false));
            Graph g = TfliteImporter.parse(c[0] + ".tflite", model);
            assertArrayEquals(bytes((int[]) c[8]), new Executor(g).run(bytes((int[]) c[7])), (String) c[0]);
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
