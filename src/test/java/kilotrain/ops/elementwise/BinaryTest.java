package kilotrain.ops.elementwise;

import static kilotrain.ops.OpHarness.bytes;
import static kilotrain.ops.OpHarness.run;
import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import kilotrain.ir.Add;
import kilotrain.ir.Quant;
import kilotrain.ir.Tensor;
import kilotrain.ops.add.AddKernel;

/** MUL golden data from TensorFlow Lite Micro's mul_test.cc, SUB and broadcasting ADD on hand-computed cases. */
class BinaryTest {
    @Test
    void tfliteMicroMulGoldens() {
        // SimpleInt8NoAcativationShouldMatchGolden: {-0.8, 0.2, 0.9, 0.7} x {0.6, 0.4, 0.9, 0.8}, all at scale 0.01
        Tensor a = t("a", 0.01, 0, 1, 2, 2, 1), b = t("b", 0.01, 0, 1, 2, 2, 1), y = t("y", 0.01, 0, 1, 2, 2, 1);
        assertArrayEquals(bytes(-48, 8, 81, 56),
                run(new Binary("m", Binary.Kind.MUL, a, b, y, -128, 127), bytes(-80, 20, 90, 70), bytes(60, 40, 90, 80)));
        // BroadcastInt8NoAcativationShouldMatchGolden: [1,3,1,2] x [1] (0.1), inputs at 0.05, output at 0.01
        Tensor x = t("x", 0.05, 0, 1, 3, 1, 2), s = t("s", 0.05, 0, 1), z = t("z", 0.01, 0, 1, 3, 1, 2);
        assertArrayEquals(bytes(-20, 2, 7, 8, 11, 20), run(new Binary("m", Binary.Kind.MUL, x, s, z, -128, 127),
                bytes(-40, 4, 14, 16, 22, 40), bytes(2)));
    }

    @Test
    void mulByAModelConstantWithZeroPointsAndRelu() {
        Tensor a = t("a", 0.02, -128, 1, 4);
        Tensor c = Tensor.int8("c", new int[] {4}, Quant.perTensor(0.01, 10), bytes(110, 10, -90, 127));
        Tensor y = t("y", 0.05, -20, 1, 4);
        // (a + 128) * 0.02 * (c - 10) * 0.01 / 0.05 - 20, clamped below at the output's 0 (-20) by a fused RELU
        // a = 127: 5.1 * 1.0 / 0.05 - 20 = 82; a = 0: 2.56 * 0 = 0 -> -20; a = 127, c = -90: -5.1 -> clamp -20;
        // a = -128: 0 -> -20
        assertArrayEquals(bytes(82, -20, -20, -20),
                run(new Binary("m", Binary.Kind.MUL, a, c, y, -20, 127), bytes(127, 0, 127, -128)));
    }

    @Test
    void subWithTflitesRescaling() {
        Tensor a = t("a", 0.1, 0, 1, 4), b = t("b", 0.05, 0, 1, 4), y = t("y", 0.1, 0, 1, 4);
        // 1.0 - 0.5 = 0.5 -> 5; 0.1 - 0.05 = 0.05 -> 0.5 rounds up to 1; -12.8 - 6.35 saturates; 0 - (-6.4) = 6.4 -> 64
        assertArrayEquals(bytes(5, 1, -128, 64), run(new Binary("s", Binary.Kind.SUB, a, b, y, -128, 127),
                bytes(10, 1, -128, 0), bytes(10, 1, 127, -128)));
    }

    @Test
    void addBroadcastsAsTheSameShapeAddComputes() {
        Quant qa = Quant.perTensor(0.07, 3), qb = Quant.perTensor(0.02, -5), qy = Quant.perTensor(0.09, 1);
        Tensor a = Tensor.int8("a", new int[] {1, 2, 3, 2}, qa, null);
        Tensor b = Tensor.int8("b", new int[] {2}, qb, null);
        Tensor y = Tensor.int8("y", new int[] {1, 2, 3, 2}, qy, null);
        byte[] x = new byte[12];
        for (int i = 0; i < 12; i++) {
            x[i] = (byte) (i * 23 - 128);
        }
        byte[] bias = bytes(-128, 127);
        AddKernel k = new AddKernel(1, qa, qb, qy, Add.Rule.TFLITE_FIXED_POINT, -128, 127);
        byte[] want = new byte[12];
        for (int i = 0; i < 12; i++) {
            want[i] = (byte) k.fixedPoint(x[i], bias[i % 2]);
        }
        assertArrayEquals(want, run(new Binary("a", Binary.Kind.ADD, a, b, y, -128, 127), x, bias));
    }

    @Test
    void shapesThatDoNotBroadcastAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Binary("m", Binary.Kind.MUL, t("a", 1, 0, 1, 3),
                t("b", 1, 0, 1, 2), t("y", 1, 0, 1, 3), -128, 127));
    }
}
