package kilotrain.importer.tflite;

import com.google.flatbuffers.FlatBufferBuilder;
import java.util.SplittableRandom;
import java.util.function.ToIntFunction;
import kilotrain.ops.TfliteBuiltins;
import kilotrain.ops.tflite.schema.ActivationFunctionType;
import kilotrain.ops.tflite.schema.AddOptions;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.Conv2DOptions;
import kilotrain.ops.tflite.schema.FullyConnectedOptions;
import kilotrain.ops.tflite.schema.LeakyReluOptions;
import kilotrain.ops.tflite.schema.MulOptions;
import kilotrain.ops.tflite.schema.Padding;
import kilotrain.ops.tflite.schema.Pool2DOptions;
import kilotrain.ops.tflite.schema.ReshapeOptions;
import kilotrain.ops.tflite.schema.SubOptions;
import kilotrain.ops.tflite.schema.TensorType;

/**
 * A small trainable int8 TFLite network built stage by stage with kilotrain's flatbuffer writer (tests of the
 * operators' training rules, {@link OperatorModels} and {@link TrainableOpModels}): each call appends one operator
 * after the current tensor and states its output quantization, so that tests can put zero points at the extremes and
 * make values saturate; convolutions with seeded random weights go between the operators under test so that the
 * gradient of the first one flows back through all of them, and {@link #classifier} ends the network with RESHAPE to
 * [1, N] and a FULLY_CONNECTED classifier.
 */
public final class ModelChain {
    private final TinyModel m = new TinyModel();
    private final SplittableRandom r;
    private int cur;
    private int[] shape;
    private float scale;
    private int n;

    public ModelChain(int[] inputShape, float scale, int zero, long seed) {
        r = new SplittableRandom(seed);
        cur = m.int8("input", inputShape, null, scale, zero);
        m.input = cur;
        shape = inputShape.clone();
        this.scale = scale;
    }

    /** The current tensor, to use as an operand later. */
    public int current() {
        return cur;
    }

    public int[] shape() {
        return shape.clone();
    }

    /** A k x k SAME convolution, stride 1, to {@code cout} channels, its output quantized (scale, zero). */
    public ModelChain conv(int k, int cout, float outScale, int outZero) {
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
        int bt = m.tensor("b" + n, new int[] {cout}, TensorType.INT32, TinyModel.ints(bias), bs, wz, 0);
        int[] outShape = {1, shape[1], shape[2], cout};
        int out = m.int8("conv" + n, outShape, null, outScale, outZero);
        m.op(3, 3, new int[] {cur, wt, bt}, out, BuiltinOptions.Conv2DOptions,
                b -> Conv2DOptions.createConv2DOptions(b, Padding.SAME, 1, 1, ActivationFunctionType.NONE, 1, 1));
        return to(out, outShape, outScale);
    }

    /** A one-input operator without options (RELU, RELU6, LOGISTIC, TANH, HARD_SWISH, QUANTIZE int8 -> int8). */
    public ModelChain unary(String builtin, float outScale, int outZero) {
        int code = TfliteBuiltins.code(builtin);
        int out = m.int8(builtin.toLowerCase() + n, shape, null, outScale, outZero);
        m.op(code, code, new int[] {cur}, out, (byte) 0, null);
        return to(out, shape, outScale);
    }

    /** QUANTIZE int8 -> int8 to a new scale and zero point. */
    public ModelChain requantize(float outScale, int outZero) {
        return unary("QUANTIZE", outScale, outZero);
    }

    public ModelChain leakyRelu(float alpha, float outScale, int outZero) {
        int code = TfliteBuiltins.code("LEAKY_RELU");
        int out = m.int8("leaky" + n, shape, null, outScale, outZero);
        m.op(code, code, new int[] {cur}, out, BuiltinOptions.LeakyReluOptions,
                b -> LeakyReluOptions.createLeakyReluOptions(b, alpha));
        return to(out, shape, outScale);
    }

    /** An average pool over the whole H x W (VALID), same quantization: [1, 1, 1, C]. */
    public ModelChain globalAvgPool() {
        int[] outShape = {1, 1, 1, shape[3]};
        int out = m.int8("pool" + n, outShape, null, scale, zeroOf(cur));
        int fh = shape[1], fw = shape[2];
        m.op(1, 1, new int[] {cur}, out, BuiltinOptions.Pool2DOptions,
                b -> Pool2DOptions.createPool2DOptions(b, Padding.VALID, 1, 1, fw, fh, ActivationFunctionType.NONE));
        return to(out, outShape, scale);
    }

    /** A constant int8 operand of random values. */
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
    public ModelChain binary(String builtin, int x, int y, int[] outShape, float outScale, int outZero, byte act) {
        int code = TfliteBuiltins.code(builtin);
        int out = m.int8(builtin.toLowerCase() + n, outShape, null, outScale, outZero);
        byte type = switch (builtin) {
            case "MUL" -> BuiltinOptions.MulOptions;
            case "SUB" -> BuiltinOptions.SubOptions;
            default -> BuiltinOptions.AddOptions;
        };
        m.op(code, code, new int[] {x, y}, out, type, b -> switch (builtin) {
            case "MUL" -> MulOptions.createMulOptions(b, act);
            case "SUB" -> SubOptions.createSubOptions(b, act, false);
            default -> AddOptions.createAddOptions(b, act);
        });
        return to(out, outShape, outScale);
    }

    /** PRELU with a random constant alpha of the given shape (quantized scale, zero). */
    public ModelChain prelu(int[] alphaShape, float alphaScale, int alphaZero, float outScale, int outZero) {
        int a = constant(alphaShape, alphaScale, alphaZero);
        int out = m.int8("prelu" + n, shape, null, outScale, outZero);
        m.op(54, 54, new int[] {cur, a}, out, (byte) 0, null);
        return to(out, shape, outScale);
    }

    /** Any operator after the current tensor, with constant int32 operands (vectors). */
    public ModelChain op(int builtin, int[] outShape, float outScale, int outZero, int[][] intOperands,
            byte optionsType, ToIntFunction<FlatBufferBuilder> options) {
        int[] ins = new int[1 + intOperands.length];
        ins[0] = cur;
        for (int i = 0; i < intOperands.length; i++) {
            ins[i + 1] = m.tensor("c" + n + "_" + i, new int[] {intOperands[i].length}, TensorType.INT32,
                    TinyModel.ints(intOperands[i]), null, null, 0);
        }
        int out = m.int8("op" + n, outShape, null, outScale, outZero);
        m.op(builtin, builtin, ins, out, optionsType, options);
        return to(out, outShape, outScale);
    }

    /** The same with one 2-D int32 operand (PAD's paddings). */
    public ModelChain op2(int builtin, int[] outShape, float outScale, int outZero, int[][] matrix) {
        int[] flat = new int[matrix.length * matrix[0].length];
        for (int i = 0; i < matrix.length; i++) {
            System.arraycopy(matrix[i], 0, flat, i * matrix[0].length, matrix[0].length);
        }
        int c = m.tensor("c" + n, new int[] {matrix.length, matrix[0].length}, TensorType.INT32, TinyModel.ints(flat),
                null, null, 0);
        int out = m.int8("op" + n, outShape, null, outScale, outZero);
        m.op(builtin, builtin, new int[] {cur, c}, out, (byte) 0, null);
        return to(out, outShape, outScale);
    }

    /** An operator reading the current tensor and tensor {@code other} (CONCATENATION). */
    public ModelChain op2in(int builtin, int other, int[] outShape, float outScale, int outZero, byte optionsType,
            ToIntFunction<FlatBufferBuilder> options) {
        int out = m.int8("op" + n, outShape, null, outScale, outZero);
        m.op(builtin, builtin, new int[] {cur, other}, out, optionsType, options);
        return to(out, outShape, outScale);
    }

    private ModelChain to(int t, int[] s, float sc) {
        cur = t;
        shape = s.clone();
        scale = sc;
        n++;
        return this;
    }

    /** RESHAPE to [1, N], a fully connected classifier to {@code classes} outputs; the model's bytes. */
    public byte[] classifier(int classes) {
        int f = 1;
        for (int d : shape) {
            f *= d;
        }
        final int flatSize = f;
        int flat = m.int8("flat", new int[] {1, f}, null, scale, zeroOf(cur));
        m.op(22, 22, new int[] {cur}, flat, BuiltinOptions.ReshapeOptions,
                b -> ReshapeOptions.createReshapeOptions(b, ReshapeOptions.createNewShapeVector(b,
                        new int[] {1, flatSize})));
        byte[] w = new byte[classes * f];
        for (int i = 0; i < w.length; i++) {
            w[i] = (byte) (r.nextInt(121) - 60);
        }
        float ws = (float) (0.1 / (scale * Math.sqrt(f)) * 0.02);
        int wt = m.tensor("fc.w", new int[] {classes, f}, TensorType.INT8, w, new float[] {ws}, new long[] {0}, 0);
        int bt = m.tensor("fc.b", new int[] {classes}, TensorType.INT32, TinyModel.ints(new int[classes]),
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
