package kilotrain.ops.elementwise;

import static kilotrain.ops.OpHarness.run;
import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

import kilotrain.ir.Tensor;

/**
 * SUB golden data of TensorFlow Lite Micro's sub_test.cc, every int8 case. Its inputs and goldens are floats that
 * the test quantizes with {@code FloatToQuantizedType} (float32 division, C's round, saturated), and it compares the
 * kernel's int8 output with the quantized golden within 1e-5, that is byte for byte; so does this test.
 */
class SubGoldenTest {
    /** TFLite Micro's test quantization: round(v / scale) + zero point, half away from zero, saturated. */
    static byte[] quantize(float[] v, float scale, int zero) {
        byte[] q = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            float r = v[i] / scale;
            long rounded = (long) Math.copySign(Math.floor(Math.abs((double) r) + 0.5), r);
            q[i] = (byte) Math.max(-128, Math.min(127, rounded + zero));
        }
        return q;
    }

    static void check(int[] shape1, float[] in1, float s1, int z1, int[] shape2, float[] in2, float s2, int z2,
            int[] outShape, float[] golden, float sy, int zy, int actMin, int actMax) {
        Tensor a = t("a", s1, z1, shape1), b = t("b", s2, z2, shape2), y = t("y", sy, zy, outShape);
        byte[] got = run(new Binary("sub", Binary.Kind.SUB, a, b, y, actMin, actMax), quantize(in1, s1, z1),
                quantize(in2, s2, z2));
        assertArrayEquals(quantize(golden, sy, zy), got, java.util.Arrays.toString(shape2));
    }

    @Test
    void quantizedSubNoActivationAndRelu1Int8() {
        int[] shape = {1, 2, 2, 1};
        float[] in1 = {-2.01f, -1.01f, -0.01f, 0.98f}, in2 = {-1.01f, -1.99f, -2.99f, -4.02f};
        check(shape, in1, 0.25f, -10, shape, in2, 0.5f, 4, shape, new float[] {-1, 1, 3, 5}, 1.0f, 13, -128, 127);
        // kTfLiteActReluN1To1 at scale 1, zero point 13: [13 - 1, 13 + 1]
        check(shape, in1, 0.25f, -10, shape, in2, 0.5f, 4, shape, new float[] {-1, 1, 1, 1}, 1.0f, 13, 12, 14);
    }

    static final int[][] SHAPES = {{6}, {2, 3}, {2, 1, 3}, {1, 3, 1, 2}};

    @Test
    void quantizedSubVariousInputShapesInt8() {
        float[] in1 = {-2.0f, 0.2f, 0.7f, 0.8f, 1.1f, 2.0f}, in2 = {-0.1f, -0.2f, -0.3f, -0.5f, -1.1f, -0.1f};
        float[] golden = {-1.9f, 0.4f, 1.0f, 1.3f, 2.2f, 2.1f};
        for (int[] s : SHAPES) {
            check(s, in1, 0.1f, -9, s, in2, 0.05f, 5, s, golden, 0.1f, 14, -128, 127);
        }
    }

    @Test
    void quantizedSubWithScalarBroadcastInt8() {
        float[] in1 = {-2.0f, 0.2f, 0.7f, 0.8f, 1.1f, 2.0f};
        float[] golden = {-1.9f, 0.3f, 0.8f, 0.9f, 1.2f, 2.1f};
        for (int[] s : SHAPES) {
            check(s, in1, 0.1f, -8, new int[0], new float[] {-0.1f}, 0.05f, 4, s, golden, 0.05f, 12, -128, 127);
        }
    }

    @Test
    void quantizedSubWithMixedBroadcastInt8() {
        int[] shape1 = {2, 3, 1, 2};
        float[] in1 = {-0.3f, 2.3f, 0.9f, 0.5f, 0.8f, -1.1f, 1.2f, 2.8f, -1.6f, 0.0f, 0.7f, -2.2f};
        float[] in2 = {-0.2f, -0.3f, 0.4f, -0.5f, -1.0f, -0.9f};
        int[][] shapes2 = {{1, 1, 3, 2}, {1, 3, 1, 2}, {2, 1, 3, 1}, {2, 3, 1, 1}};
        int[][] outShapes = {{2, 3, 3, 2}, {2, 3, 1, 2}, {2, 3, 3, 2}, {2, 3, 1, 2}};
        float[][] goldens = {
            {-0.1f, 2.6f, -0.7f, 2.8f, 0.7f, 3.2f, 1.1f, 0.8f, 0.5f, 1.0f, 1.9f, 1.4f,
                1.0f, -0.8f, 0.4f, -0.6f, 1.8f, -0.2f, 1.4f, 3.1f, 0.8f, 3.3f, 2.2f, 3.7f,
                -1.4f, 0.3f, -2.0f, 0.5f, -0.6f, 0.9f, 0.9f, -1.9f, 0.3f, -1.7f, 1.7f, -1.3f},
            {-0.1f, 2.6f, 0.5f, 1.0f, 1.8f, -0.2f, 1.4f, 3.1f, -2.0f, 0.5f, 1.7f, -1.3f},
            {-0.1f, 2.5f, 0.0f, 2.6f, -0.7f, 1.9f, 1.1f, 0.7f, 1.2f, 0.8f, 0.5f, 0.1f,
                1.0f, -0.9f, 1.1f, -0.8f, 0.4f, -1.5f, 1.7f, 3.3f, 2.2f, 3.8f, 2.1f, 3.7f,
                -1.1f, 0.5f, -0.6f, 1.0f, -0.7f, 0.9f, 1.2f, -1.7f, 1.7f, -1.2f, 1.6f, -1.3f},
            {-0.1f, 2.5f, 1.2f, 0.8f, 0.4f, -1.5f, 1.7f, 3.3f, -0.6f, 1.0f, 1.6f, -1.3f}};
        for (int i = 0; i < 4; i++) {
            check(shape1, in1, 0.1f, -10, shapes2[i], in2, 0.05f, -5, outShapes[i], goldens[i], 0.1f, 7, -128, 127);
        }
    }
}
