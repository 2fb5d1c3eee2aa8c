package kilotrain.importer.tflite;

import kilotrain.ops.tflite.schema.ActivationFunctionType;

/**
 * Trainable int8 TFLite models of the activation and elementwise operators, written with kilotrain's flatbuffer
 * writer (tests only): convolutions with random weights between the operators under test, so that the gradient of
 * the first convolution flows back through every one of them, then a fully connected classifier.
 */
public final class TrainableOpModels {
    private TrainableOpModels() {
    }

    /**
     * Every activation once, between convolutions, on a 5x5x3 input (odd sizes): RELU requantizing to a zero point
     * of -128, RELU6 on an input whose zero point is -128 (it saturates at 6), LEAKY_RELU with alpha 0.2, HARD_SWISH
     * (MobileNetV3's), LOGISTIC and TANH with TFLite's fixed output quantizations, the last one on an input at zero
     * point 127.
     */
    public static byte[] activations(long seed) {
        return activations(new ModelChain(new int[] {1, 5, 5, 3}, 0.05f, -7, seed)).classifier(4);
    }

    static ModelChain activations(ModelChain c) {
        return c.conv(3, 4, 0.06f, 20).unary("RELU", 0.04f, -128)
                .conv(1, 5, 0.05f, -128).unary("RELU6", 0.05f, -128)
                .conv(3, 4, 0.05f, 0).leakyRelu(0.2f, 0.04f, -10)
                .conv(1, 4, 0.08f, -3).unary("HARD_SWISH", 0.05f, -100)
                .conv(3, 5, 0.1f, 5).unary("LOGISTIC", 1f / 256, -128)
                .conv(1, 3, 0.04f, 127).unary("TANH", 1f / 128, 0);
    }

    /** Both: the activations' chain, then the elementwise block (one C project for the emulated board). */
    public static byte[] all(long seed) {
        return elementwise(activations(new ModelChain(new int[] {1, 5, 5, 3}, 0.05f, -7, seed))).classifier(4);
    }

    /**
     * MUL, SUB and broadcasting ADD between trained convolutions on a 5x5 input, as a squeeze-and-excitation block
     * and its relatives write them: MUL of a feature map [1,5,5,4] by its own global average [1,1,1,4] (both operands
     * computed, the second broadcast over H and W), SUB of a model constant [4] with a RELU fused (output zero point
     * -128), ADD of a feature map and its own average (the map's gradient accumulates from two consumers), and the
     * square of a tensor by MUL (both operands the same tensor); then PRELU with alpha per channel ([1, 1, C], Keras'
     * shared_axes=[1, 2]) and per element ([H, W, C], Keras' default).
     */
    public static byte[] elementwise(long seed) {
        return elementwise(new ModelChain(new int[] {1, 5, 5, 3}, 0.05f, 3, seed)).classifier(4);
    }

    static ModelChain elementwise(ModelChain c) {
        c.conv(3, 4, 0.05f, -2);
        int x = c.current();
        int se = c.globalAvgPool().current();
        c.binary("MUL", x, se, new int[] {1, 5, 5, 4}, 0.004f, 10, ActivationFunctionType.NONE);
        int k = c.constant(new int[] {4}, 0.03f, 127);
        c.binary("SUB", c.current(), k, new int[] {1, 5, 5, 4}, 0.03f, -128, ActivationFunctionType.RELU);
        c.conv(1, 4, 0.06f, 0);
        int u = c.current();
        int avg = c.globalAvgPool().current();
        c.binary("ADD", u, avg, new int[] {1, 5, 5, 4}, 0.07f, -5, ActivationFunctionType.NONE);
        int v = c.current();
        c.binary("MUL", v, v, new int[] {1, 5, 5, 4}, 0.02f, -128, ActivationFunctionType.NONE);
        return c.conv(3, 3, 0.05f, 0).prelu(new int[] {1, 1, 3}, 0.01f, -20, 0.045f, 3)
                .conv(1, 3, 0.05f, -30).prelu(new int[] {5, 5, 3}, 0.02f, 0, 0.05f, -30);
    }
}
