package kilotrain.ops.maxpool;

import static kilotrain.ops.OpHarness.bytes;
import static kilotrain.ops.OpHarness.run;
import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

import kilotrain.ir.Padding;
import kilotrain.ir.Tensor;

/** Golden data from TensorFlow Lite Micro's pooling_test.cc (MaxPool int8), plus padding and odd sizes. */
class MaxPool2DTest {
    static byte[] pool(byte[] x, double scale, int outW, int stride, int lo, int hi) {
        Tensor in = t("x", scale, 0, 1, 2, 4, 1), out = t("y", scale, 0, 1, 1, outW, 1);
        return run(new MaxPool2D("p", in, out, 2, 2, stride, stride, Padding.NONE, lo, hi), x);
    }

    @Test
    void tfliteMicroGoldens() {
        // SimpleMaxPoolTestInt8ActNone, MaxPoolTestInt8ActRelu (scale 0.5), ...ReluN1To1, ...Relu6
        assertArrayEquals(bytes(6, 10), pool(bytes(0, 6, 2, 4, 3, 2, 10, 7), 1.0, 2, 2, -128, 127));
        assertArrayEquals(bytes(0, 20), pool(bytes(-3, -12, 4, 8, -6, -4, 20, 14), 0.5, 2, 2, 0, 127));
        assertArrayEquals(bytes(-1, 1), pool(bytes(-2, -6, -2, -4, -3, -2, 10, 7), 1.0, 2, 2, -1, 1));
        assertArrayEquals(bytes(0, 6), pool(bytes(0, -6, 12, 4, -3, -2, 10, 7), 1.0, 2, 2, 0, 6));
    }

    @Test
    void samePaddingNeverLetsThePaddingWin() {
        // SimpleMaxPoolTestPaddingSameStride1's values, all negative: padding must not contribute a zero
        Tensor in = t("x", 1.0, 0, 1, 2, 4, 1), out = t("y", 1.0, 0, 1, 2, 4, 1);
        MaxPool2D p = new MaxPool2D("p", in, out, 2, 2, 1, 1, Padding.of(true, 2, 4, 2, 2, 1, 1), -128, 127);
        assertArrayEquals(bytes(-2, -2, -2, -4, -2, -2, -7, -7),
                run(p, bytes(-100, -6, -2, -4, -3, -2, -10, -7)));
        assertArrayEquals(bytes(6, 10, 10, 7, 3, 10, 10, 7), run(p, bytes(0, 6, 2, 4, 3, 2, 10, 7)));
    }

    @Test
    void oddSizesAndChannels() {
        // 3x3 input, 2 channels, 2x2 window stride 2, SAME: output 2x2, the last row/column windows are partial
        Tensor in = t("x", 1.0, 0, 1, 3, 3, 2), out = t("y", 1.0, 0, 1, 2, 2, 2);
        MaxPool2D p = new MaxPool2D("p", in, out, 2, 2, 2, 2, Padding.of(true, 3, 3, 2, 2, 2, 2), -128, 127);
        byte[] x = new byte[18];
        for (int i = 0; i < 18; i++) {
            x[i] = (byte) (i % 2 == 0 ? -128 + i : 127 - i);
        }
        assertArrayEquals(bytes(-120, 126, -118, 122, -114, 114, -112, 110), run(p, x));
    }
}
