package kilotrain.ops.activation;

import static kilotrain.ops.OpHarness.bytes;
import static kilotrain.ops.OpHarness.run;
import static kilotrain.ops.OpHarness.t;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

import kilotrain.ir.Quant;
import kilotrain.ir.Tensor;

/** TensorFlow Lite Micro's prelu_test.cc QuantizedInt8PreluActivationsOpTest, quantized as that test quantizes. */
class PreluTest {
    @Test
    void tfliteMicroInt8Golden() {
        double s = (float) (2.0 / 255.0);
        Tensor x = t("x", s, 0, 2, 2, 3), y = t("y", s, 0, 2, 2, 3);
        // alpha {0, 0.5, -0.5} and inputs {0, 0.5, -1, -0.25} per row, rounded as the test's Quantize rounds them
        Tensor alpha = Tensor.int8("alpha", new int[] {1, 1, 3}, Quant.perTensor(s, 0), bytes(0, 64, -64));
        byte[] in = bytes(0, 0, 0, 64, 64, 64, -127, -127, -127, -32, -32, -32);
        // golden {0,0,0, .5,.5,.5, 0,-.5,.5, 0,-.125,.125} at scale 2/255
        assertArrayEquals(bytes(0, 0, 0, 64, 64, 64, 0, -64, 64, 0, -16, 16), run(new Prelu("p", x, alpha, y), in));
    }
}
