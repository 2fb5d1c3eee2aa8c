package kilotrain.importer.tflite;

import com.google.flatbuffers.FlatBufferBuilder;

import kilotrain.ops.tflite.schema.ActivationFunctionType;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.Padding;
import kilotrain.ops.tflite.schema.Pool2DOptions;
import kilotrain.ops.tflite.schema.ReducerOptions;
import kilotrain.ops.tflite.schema.TensorType;
import kilotrain.ops.TfliteBuiltins;

/** Small TFLite models of the new operators, written with the flatbuffer builders (tests only). */
public final class OperatorModels {
    public static final float IN_SCALE = 0.05f, OUT_SCALE = 0.02f;
    public static final int IN_ZERO = -3, OUT_ZERO = 5;

    private OperatorModels() {
    }

    /**
     * A float-interface model, as converters write them by default: float [1,4,4,2] -> QUANTIZE -> PAD (top 1,
     * right 1) -> MAX_POOL_2D 2x2/2 SAME with a fused RELU6 -> MEAN over H, W (requantized) -> DEQUANTIZE -> float [1,2].
     */
    public static byte[] floatInterfacePadPoolMean() {
        TinyModel m = new TinyModel();
        m.input = m.tensor("image", new int[] {1, 4, 4, 2}, TensorType.FLOAT32, null, null, null, 0);
        int mean = padPoolMean(m, m.int8("mean", new int[] {1, 2}, null, OUT_SCALE, OUT_ZERO));
        m.output = m.tensor("scores", new int[] {1, 2}, TensorType.FLOAT32, null, null, null, 0);
        m.op(TfliteBuiltins.DEQUANTIZE, TfliteBuiltins.DEQUANTIZE, new int[] {mean}, m.output, (byte) 0, null);
        return m.build();
    }

    /** QUANTIZE of m.input into the int8 "quantized" tensor, then PAD, MAX_POOL_2D + RELU6 and MEAN into mean. */
    private static int padPoolMean(TinyModel m, int mean) {
        int q = m.int8("quantized", new int[] {1, 4, 4, 2}, null, IN_SCALE, IN_ZERO);
        int pads = m.tensor("paddings", new int[] {4, 2}, TensorType.INT32, TinyModel.ints(0, 0, 1, 0, 0, 1, 0, 0),
                null, null, 0);
        int padded = m.int8("padded", new int[] {1, 5, 5, 2}, null, IN_SCALE, IN_ZERO);
        int pooled = m.int8("pooled", new int[] {1, 3, 3, 2}, null, IN_SCALE, IN_ZERO);
        int axes = m.tensor("axes", new int[] {2}, TensorType.INT32, TinyModel.ints(1, 2), null, null, 0);
        m.op(TfliteBuiltins.QUANTIZE, TfliteBuiltins.QUANTIZE, new int[] {m.input}, q, (byte) 0, null);
        m.op(34, 34, new int[] {q, pads}, padded, (byte) 0, null);
        m.op(17, 17, new int[] {padded}, pooled, BuiltinOptions.Pool2DOptions,
                b -> Pool2DOptions.createPool2DOptions(b, Padding.SAME, 2, 2, 2, 2, ActivationFunctionType.RELU6));
        m.op(40, 40, new int[] {pooled, axes}, mean, BuiltinOptions.ReducerOptions,
                (FlatBufferBuilder b) -> ReducerOptions.createReducerOptions(b, false));
        return mean;
    }

    /**
     * The same int8 graph behind a uint8 interface (older converters; uint8 camera pixels): a UINT8 input with zero
     * point 128 and the int8 input's scale, QUANTIZE uint8 -> int8 first, the int8 output last.
     */
    public static byte[] uint8InterfacePadPoolMean() {
        TinyModel m = new TinyModel();
        m.input = m.tensor("pixels", new int[] {1, 4, 4, 2}, TensorType.UINT8, null, new float[] {IN_SCALE},
                new long[] {IN_ZERO + 128}, 0);
        m.output = padPoolMean(m, m.int8("mean", new int[] {1, 2}, null, OUT_SCALE, OUT_ZERO));
        return m.build();
    }

    /**
     * An int8 model with a PyTorch-style NCHW input: [1,2,3,4] -> TRANSPOSE [0,2,3,1] -> [1,3,4,2] -> STRIDED_SLICE
     * x[0, 1:, ::-2, :] (begin mask on the last axis, end masks on the last two, batch axis shrunk) -> [2,2,2].
     */
    public static byte[] transposeSlice() {
        TinyModel m = new TinyModel();
        m.input = m.int8("nchw", new int[] {1, 2, 3, 4}, null, 0.1f, 0);
        int perm = m.tensor("perm", new int[] {4}, TensorType.INT32, TinyModel.ints(0, 2, 3, 1), null, null, 0);
        int nhwc = m.int8("nhwc", new int[] {1, 3, 4, 2}, null, 0.1f, 0);
        int begin = m.tensor("begin", new int[] {4}, TensorType.INT32, TinyModel.ints(0, 1, -1, 7), null, null, 0);
        int end = m.tensor("end", new int[] {4}, TensorType.INT32, TinyModel.ints(1, 99, 0, 0), null, null, 0);
        int strides = m.tensor("strides", new int[] {4}, TensorType.INT32, TinyModel.ints(1, 1, -2, 1), null, null,
                0);
        m.output = m.int8("slice", new int[] {2, 2, 2}, null, 0.1f, 0);
        m.op(39, 39, new int[] {m.input, perm}, nhwc, (byte) 0, null);
        m.op(45, 45, new int[] {nhwc, begin, end, strides}, m.output, BuiltinOptions.StridedSliceOptions,
                b -> kilotrain.ops.tflite.schema.StridedSliceOptions.createStridedSliceOptions(b, 0b1000, 0b1100, 0,
                        0, 0b0001, false));
        return m.build();
    }

    /**
     * One operator on an int8 input (scale 1, zero point 0) with constant int32 operands after it and the output
     * quantized alike: for kernel-test golden data that goes through the operator's TFLite import rule.
     */
    public static byte[] single(int builtin, int[] inShape, int[] outShape, int[][] intOperands, byte optionsType,
            java.util.function.ToIntFunction<FlatBufferBuilder> options) {
        TinyModel m = new TinyModel();
        m.input = m.int8("x", inShape, null, 1f, 0);
        int[] ins = new int[1 + intOperands.length];
        ins[0] = m.input;
        for (int i = 0; i < intOperands.length; i++) {
            ins[i + 1] = m.tensor("c" + i, new int[] {intOperands[i].length}, TensorType.INT32,
                    TinyModel.ints(intOperands[i]), null, null, 0);
        }
        m.output = m.int8("y", outShape, null, 1f, 0);
        m.op(builtin, builtin, ins, m.output, optionsType, options);
        return m.build();
    }

    /**
     * Every operator that trains through the table, gather, mean, maxpool and concat rules in one network (input
     * [1,7,5,3] at zero point -128, a 3x3 conv, then): QUANTIZE to the zero point -128, PAD on every side (channels too),
     * TRANSPOSE, STRIDED_SLICE with negative strides, RESIZE_NEAREST_NEIGHBOR up to odd sizes (half-pixel centres),
     * MAX_POOL_2D 3x3/2 SAME with a fused RELU6, CONCATENATION of a tensor with itself, MEAN requantized.
     */
    public static byte[] everyTrainableOperator() {
        Chain c = new Chain(new int[] {1, 7, 5, 3}, 0.02f, -128, 11).conv(6, 3, 0.05f, -10).requantize(0.05f, -128)
                .op2(34, new int[] {1, 10, 8, 7}, 0.05f, -128, new int[][] {{0, 0}, {1, 2}, {2, 1}, {1, 0}})
                .op(39, new int[] {1, 8, 10, 7}, 0.05f, -128, new int[][] {{0, 2, 1, 3}}, (byte) 0, null)
                .op(45, new int[] {1, 4, 3, 7}, 0.05f, -128, new int[][] {{0, 7, 9, 0}, {1, 0, 0, 7}, {1, -2, -3, 1}},
                        BuiltinOptions.StridedSliceOptions,
                        b -> kilotrain.ops.tflite.schema.StridedSliceOptions.createStridedSliceOptions(b, 0, 0, 0, 0, 0, false))
                .op(97, new int[] {1, 7, 5, 7}, 0.05f, -128, new int[][] {{7, 5}},
                        BuiltinOptions.ResizeNearestNeighborOptions,
                        b -> kilotrain.ops.tflite.schema.ResizeNearestNeighborOptions.createResizeNearestNeighborOptions(b, false, true))
                .op(17, new int[] {1, 4, 3, 7}, 0.05f, -128, new int[0][], BuiltinOptions.Pool2DOptions,
                        b -> Pool2DOptions.createPool2DOptions(b, Padding.SAME, 2, 2, 3, 3,
                                ActivationFunctionType.RELU6));
        int pooled = c.current();
        return c.op2in(2, pooled, new int[] {1, 4, 6, 7}, 0.05f, -128, BuiltinOptions.ConcatenationOptions,
                b -> kilotrain.ops.tflite.schema.ConcatenationOptions.createConcatenationOptions(b, 2, ActivationFunctionType.NONE))
                .op(40, new int[] {1, 1, 1, 7}, 0.02f, 3, new int[][] {{1, 2}}, BuiltinOptions.ReducerOptions,
                        b -> ReducerOptions.createReducerOptions(b, true))
                .classifier(3);
    }


    /**
     * A small trainable int8 network whose middle is built stage by stage (tests of the operators' training rules):
     * it starts with a 3x3 CONV_2D (SAME) on the input, each call appends one operator after the current tensor, and
     * {@link #classifier} ends it with a FULLY_CONNECTED classifier on the flattened tensor. Weights and biases are
     * drawn from a seeded generator; every stage states its output quantization so that tests can put zero points at
     * the extremes and make values saturate.
     */
    public static final class Chain {
        private final TinyModel m = new TinyModel();
        private final java.util.Random r;
        private int cur;
        private int[] shape;
        private float scale;
        private int zero;
        private int n;

        public Chain(int[] inShape, float inScale, int inZero, long seed) {
            r = new java.util.Random(seed);
            m.input = m.int8("input", inShape, null, inScale, inZero);
            cur = m.input;
            shape = inShape.clone();
            scale = inScale;
            zero = inZero;
        }

        private String next(String what) {
            return what + (n++);
        }

        private int out(String what, int[] s, float sc, int z) {
            int t = m.int8(next(what), s, null, sc, z);
            cur = t;
            shape = s.clone();
            scale = sc;
            zero = z;
            return t;
        }

        public int current() {
            return cur;
        }

        public int[] shape() {
            return shape.clone();
        }

        /** A CONV_2D with {@code cout} k x k filters, stride 1, SAME padding, no fused activation. */
        public Chain conv(int cout, int k, float outScale, int outZero) {
            int cin = shape[3];
            byte[] w = new byte[cout * k * k * cin];
            for (int i = 0; i < w.length; i++) {
                w[i] = (byte) (r.nextInt(81) - 40);
            }
            float[] ws = new float[cout];
            long[] wz = new long[cout];
            int[] bias = new int[cout];
            for (int o = 0; o < cout; o++) {
                ws[o] = 0.004f + 0.002f * o;
                bias[o] = r.nextInt(2001) - 1000;
            }
            int wt = m.tensor(next("w"), new int[] {cout, k, k, cin}, kilotrain.ops.tflite.schema.TensorType.INT8, w,
                    ws, wz, 0);
            float[] bs = new float[cout];
            for (int o = 0; o < cout; o++) {
                bs[o] = scale * ws[o];
            }
            int bt = m.tensor(next("b"), new int[] {cout}, TensorType.INT32, TinyModel.ints(bias), bs, new long[cout],
                    0);
            int in = cur;
            int y = out("conv", new int[] {1, shape[1], shape[2], cout}, outScale, outZero);
            m.op(3, 3, new int[] {in, wt, bt}, y, BuiltinOptions.Conv2DOptions,
                    b -> kilotrain.ops.tflite.schema.Conv2DOptions.createConv2DOptions(b, Padding.SAME, 1, 1,
                            ActivationFunctionType.NONE, 1, 1));
            return this;
        }

        /** QUANTIZE int8 -> int8 to a new scale and zero point. */
        public Chain requantize(float outScale, int outZero) {
            int in = cur;
            int y = out("requant", shape, outScale, outZero);
            m.op(TfliteBuiltins.QUANTIZE, TfliteBuiltins.QUANTIZE, new int[] {in}, y, (byte) 0, null);
            return this;
        }

        /** Appends any operator with constant int32 operands after the current tensor. */
        public Chain op(int builtin, int[] outShape, float outScale, int outZero, int[][] intOperands, byte optionsType,
                java.util.function.ToIntFunction<FlatBufferBuilder> options) {
            int[] ins = new int[1 + intOperands.length];
            ins[0] = cur;
            for (int i = 0; i < intOperands.length; i++) {
                ins[i + 1] = m.tensor(next("c"), new int[] {intOperands[i].length}, TensorType.INT32,
                        TinyModel.ints(intOperands[i]), null, null, 0);
            }
            int y = out("op", outShape, outScale, outZero);
            m.op(builtin, builtin, ins, y, optionsType, options);
            return this;
        }

        /** The same with a 2-D int32 operand (PAD's paddings). */
        public Chain op2(int builtin, int[] outShape, float outScale, int outZero, int[][] matrix) {
            int[] flat = new int[matrix.length * matrix[0].length];
            for (int i = 0; i < matrix.length; i++) {
                System.arraycopy(matrix[i], 0, flat, i * matrix[0].length, matrix[0].length);
            }
            int c = m.tensor(next("c"), new int[] {matrix.length, matrix[0].length}, TensorType.INT32,
                    TinyModel.ints(flat), null, null, 0);
            int in = cur;
            int y = out("op", outShape, outScale, outZero);
            m.op(builtin, builtin, new int[] {in, c}, y, (byte) 0, null);
            return this;
        }

        /** Appends an operator reading the current tensor and tensor {@code other} (CONCATENATION). */
        public Chain op2in(int builtin, int other, int[] outShape, float outScale, int outZero, byte optionsType,
                java.util.function.ToIntFunction<FlatBufferBuilder> options) {
            int in = cur;
            int y = out("op", outShape, outScale, outZero);
            m.op(builtin, builtin, new int[] {in, other}, y, optionsType, options);
            return this;
        }

        /** Ends with a FULLY_CONNECTED classifier of {@code classes} outputs on the flattened tensor. */
        public byte[] classifier(int classes) {
            int f = 1;
            for (int d : shape) {
                f *= d;
            }
            byte[] w = new byte[classes * f];
            for (int i = 0; i < w.length; i++) {
                w[i] = (byte) (r.nextInt(101) - 50);
            }
            int wt = m.int8(next("fcw"), new int[] {classes, f}, w, 0.01f, 0);
            int[] bias = new int[classes];
            int bt = m.tensor(next("fcb"), new int[] {classes}, TensorType.INT32, TinyModel.ints(bias),
                    new float[] {scale * 0.01f}, new long[] {0}, 0);
            int in = cur;
            m.output = out("logits", new int[] {1, classes}, 0.1f, 0);
            m.op(9, 9, new int[] {in, wt, bt}, m.output, BuiltinOptions.FullyConnectedOptions,
                    b -> kilotrain.ops.tflite.schema.FullyConnectedOptions.createFullyConnectedOptions(b,
                            ActivationFunctionType.NONE, (byte) 0, false));
            return m.build();
        }
    }
}
