package kilotrain.importer.tflite;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import kilotrain.ops.TfliteBuiltins;
import kilotrain.ops.tflite.schema.ActivationFunctionType;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.Conv2DOptions;
import kilotrain.ops.tflite.schema.FullyConnectedOptions;
import kilotrain.ops.tflite.schema.LeakyReluOptions;
import kilotrain.ops.tflite.schema.Padding;
import kilotrain.ops.tflite.schema.ReshapeOptions;
import kilotrain.ops.tflite.schema.TensorType;

/**
 * Trainable int8 TFLite models of the activation and elementwise operators, written with kilotrain's flatbuffer
 * writer (tests only): convolutions with random weights between the operators under test, so that the gradient of
 * the first convolution flows back through every one of them, then a fully connected classifier.
 */
public final class TrainableOpModels {
    private TrainableOpModels() {
    }

    /** A chain under construction: the current activation tensor and its quantization. */
    public static final class Chain {
        final TinyModel m = new TinyModel();
        final SplittableRandom r;
        int cur;
        int[] shape;
        float scale;
        int n;

        public Chain(int[] inputShape, float scale, int zero, long seed) {
            r = new SplittableRandom(seed);
            cur = m.int8("input", inputShape, null, scale, zero);
            m.input = cur;
            shape = inputShape;
            this.scale = scale;
        }

        /** A k x k SAME convolution to {@code cout} channels, its output quantized (scale, zero). */
        public Chain conv(int k, int cout, float outScale, int outZero) {
            int cin = shape[3];
            byte[] w = new byte[cout * k * k * cin];
            for (int i = 0; i < w.length; i++) {
                w[i] = (byte) (r.nextInt(201) - 100);
            }
            float[] ws = new float[cout];
            long[] wz = new long[cout];
            float[] bs = new float[cout];
            int[] bias = new int[cout];
            for (int c = 0; c < cout; c++) {
                // about 2.5 output steps per tap: outputs spread over the int8 range, some saturating
                ws[c] = (float) (outScale * (0.02 + 0.01 * c) / (scale * Math.sqrt(k * k * cin)));
                bs[c] = scale * ws[c];
                bias[c] = r.nextInt(-2000, 2000);
            }
            int wt = m.tensor("w" + n, new int[] {cout, k, k, cin}, TensorType.INT8, w, ws, wz, 0);
            int bt = m.tensor("b" + n, new int[] {cout}, TensorType.INT32, ints(bias), bs, wz, 0);
            int[] outShape = {1, shape[1], shape[2], cout};
            int out = m.int8("conv" + n, outShape, null, outScale, outZero);
            m.op(3, 3, new int[] {cur, wt, bt}, out, BuiltinOptions.Conv2DOptions,
                    b -> Conv2DOptions.createConv2DOptions(b, Padding.SAME, 1, 1, ActivationFunctionType.NONE, 1, 1));
            return to(out, outShape, outScale);
        }

        /** A one-input operator without options (RELU, RELU6, LOGISTIC, TANH, HARD_SWISH). */
        public Chain unary(String builtin, float outScale, int outZero) {
            int code = TfliteBuiltins.code(builtin);
            int out = m.int8(builtin.toLowerCase() + n, shape, null, outScale, outZero);
            m.op(code, code, new int[] {cur}, out, (byte) 0, null);
            return to(out, shape, outScale);
        }

        public Chain leakyRelu(float alpha, float outScale, int outZero) {
            int code = TfliteBuiltins.code("LEAKY_RELU");
            int out = m.int8("leaky" + n, shape, null, outScale, outZero);
            m.op(code, code, new int[] {cur}, out, BuiltinOptions.LeakyReluOptions,
                    b -> LeakyReluOptions.createLeakyReluOptions(b, alpha));
            return to(out, shape, outScale);
        }

        /** The current tensor, to use as an operand later. */
        public int mark() {
            return cur;
        }

        public int[] shape() {
            return shape.clone();
        }

        /** A 2x... average pool over the whole H x W (VALID), same quantization: [1, 1, 1, C]. */
        public Chain globalAvgPool() {
            int[] outShape = {1, 1, 1, shape[3]};
            int out = m.int8("pool" + n, outShape, null, scale, zeroOf(cur));
            int fh = shape[1], fw = shape[2];
            m.op(1, 1, new int[] {cur}, out, BuiltinOptions.Pool2DOptions,
                    b -> kilotrain.ops.tflite.schema.Pool2DOptions.createPool2DOptions(b, Padding.VALID, 1, 1, fw, fh,
                            ActivationFunctionType.NONE));
            return to(out, outShape, scale);
        }

        /** A constant int8 operand. */
        public int constant(int[] shape, float scale, int zero) {
            int count = 1;
            for (int d : shape) {
                count *= d;
            }
            byte[] v = new byte[count];
            for (int i = 0; i < count; i++) {
                v[i] = (byte) (r.nextInt(256) - 128);
            }
            return m.int8("const" + n, shape, v, scale, zero);
        }

        /** MUL, SUB or ADD of tensors x and y (broadcasting) into the output (scale, zero), fused activation act. */
        public Chain binary(String builtin, int x, int y, int[] outShape, float outScale, int outZero, byte act) {
            int code = TfliteBuiltins.code(builtin);
            int out = m.int8(builtin.toLowerCase() + n, outShape, null, outScale, outZero);
            byte type = switch (builtin) {
                case "MUL" -> BuiltinOptions.MulOptions;
                case "SUB" -> BuiltinOptions.SubOptions;
                default -> BuiltinOptions.AddOptions;
            };
            m.op(code, code, new int[] {x, y}, out, type, b -> switch (builtin) {
                case "MUL" -> kilotrain.ops.tflite.schema.MulOptions.createMulOptions(b, act);
                case "SUB" -> kilotrain.ops.tflite.schema.SubOptions.createSubOptions(b, act, false);
                default -> kilotrain.ops.tflite.schema.AddOptions.createAddOptions(b, act);
            });
            return to(out, outShape, outScale);
        }

        /** PRELU with a random constant alpha of the given shape (quantized scale, zero). */
        public Chain prelu(int[] alphaShape, float alphaScale, int alphaZero, float outScale, int outZero) {
            int a = constant(alphaShape, alphaScale, alphaZero);
            int out = m.int8("prelu" + n, shape, null, outScale, outZero);
            m.op(54, 54, new int[] {cur, a}, out, (byte) 0, null);
            return to(out, shape, outScale);
        }

        private Chain to(int t, int[] s, float sc) {
            cur = t;
            shape = s;
            scale = sc;
            n++;
            return this;
        }

        /** RESHAPE to [1, H*W*C], a fully connected classifier to {@code classes} outputs; the model's bytes. */
        public byte[] classifier(int classes) {
            int f = shape[1] * shape[2] * shape[3];
            int flat = m.int8("flat", new int[] {1, f}, null, scale, zeroOf(cur));
            m.op(22, 22, new int[] {cur}, flat, BuiltinOptions.ReshapeOptions,
                    b -> ReshapeOptions.createReshapeOptions(b, ReshapeOptions.createNewShapeVector(b, new int[] {1, f})));
            byte[] w = new byte[classes * f];
            for (int i = 0; i < w.length; i++) {
                w[i] = (byte) (r.nextInt(121) - 60);
            }
            float ws = (float) (0.1 / (scale * Math.sqrt(f)) * 0.02);
            int wt = m.tensor("fc.w", new int[] {classes, f}, TensorType.INT8, w, new float[] {ws}, new long[] {0}, 0);
            int bt = m.tensor("fc.b", new int[] {classes}, TensorType.INT32, ints(new int[classes]),
                    new float[] {scale * ws}, new long[] {0}, 0);
            m.output = m.int8("logits", new int[] {1, classes}, null, 0.1f, 0);
            m.op(9, 9, new int[] {flat, wt, bt}, m.output, BuiltinOptions.FullyConnectedOptions,
                    b -> FullyConnectedOptions.createFullyConnectedOptions(b, ActivationFunctionType.NONE, (byte) 0,
                            false));
            return m.build();
        }

        private int zeroOf(int t) {
            return (int) m.tensors.get(t).zeros()[0];
        }
    }

    /**
     * Every activation once, between convolutions, on a 5x5x3 input (odd sizes): RELU requantizing to a zero point
     * of -128, RELU6 on an input whose zero point is -128 (it saturates at 6), LEAKY_RELU with alpha 0.2, HARD_SWISH
     * (MobileNetV3's), LOGISTIC and TANH with TFLite's fixed output quantizations, the last one on an input at zero
     * point 127.
     */
    public static byte[] activations(long seed) {
        return activations(new Chain(new int[] {1, 5, 5, 3}, 0.05f, -7, seed)).classifier(4);
    }

    static Chain activations(Chain c) {
        return c.conv(3, 4, 0.06f, 20).unary("RELU", 0.04f, -128)
                .conv(1, 5, 0.05f, -128).unary("RELU6", 0.05f, -128)
                .conv(3, 4, 0.05f, 0).leakyRelu(0.2f, 0.04f, -10)
                .conv(1, 4, 0.08f, -3).unary("HARD_SWISH", 0.05f, -100)
                .conv(3, 5, 0.1f, 5).unary("LOGISTIC", 1f / 256, -128)
                .conv(1, 3, 0.04f, 127).unary("TANH", 1f / 128, 0);
    }

    /** Both: the activations' chain, then the elementwise block (one C project for the emulated board). */
    public static byte[] all(long seed) {
        return elementwise(activations(new Chain(new int[] {1, 5, 5, 3}, 0.05f, -7, seed))).classifier(4);
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
        return elementwise(new Chain(new int[] {1, 5, 5, 3}, 0.05f, 3, seed)).classifier(4);
    }

    static Chain elementwise(Chain c) {
        c.conv(3, 4, 0.05f, -2);
        int x = c.mark();
        int se = c.globalAvgPool().mark();
        c.binary("MUL", x, se, new int[] {1, 5, 5, 4}, 0.004f, 10, ActivationFunctionType.NONE);
        int k = c.constant(new int[] {4}, 0.03f, 127);
        c.binary("SUB", c.mark(), k, new int[] {1, 5, 5, 4}, 0.03f, -128, ActivationFunctionType.RELU);
        c.conv(1, 4, 0.06f, 0);
        int u = c.mark();
        int avg = c.globalAvgPool().mark();
        c.binary("ADD", u, avg, new int[] {1, 5, 5, 4}, 0.07f, -5, ActivationFunctionType.NONE);
        int v = c.mark();
        c.binary("MUL", v, v, new int[] {1, 5, 5, 4}, 0.02f, -128, ActivationFunctionType.NONE);
        return c.conv(3, 3, 0.05f, 0).prelu(new int[] {1, 1, 3}, 0.01f, -20, 0.045f, 3)
                .conv(1, 3, 0.05f, -30).prelu(new int[] {5, 5, 3}, 0.02f, 0, 0.05f, -30);
    }

    static byte[] ints(int[] v) {
        ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            bb.putInt(x);
        }
        return bb.array();
    }
}
