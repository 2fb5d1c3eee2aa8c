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
        ModelChain c = new ModelChain(new int[] {1, 7, 5, 3}, 0.02f, -128, 11).conv(3, 6, 0.05f, -10).requantize(0.05f, -128)
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
}
