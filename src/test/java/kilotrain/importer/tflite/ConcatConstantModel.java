package kilotrain.importer.tflite;

import java.util.Random;
import kilotrain.ops.tflite.schema.ActivationFunctionType;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.ConcatenationOptions;
import kilotrain.ops.tflite.schema.FullyConnectedOptions;
import kilotrain.ops.tflite.schema.TensorType;

/**
 * A network with a CONCATENATION of an activation and a model constant, written with kilotrain's TFLite writer:
 * int8 [1, 8] (zero point -128) -> FULLY_CONNECTED -> [1, 6] -> CONCATENATION with a constant [1, 3] (before the
 * activation when {@code constantFirst}) -> [1, 9] -> FULLY_CONNECTED classifier of 3.
 */
public final class ConcatConstantModel {
    public static final byte[] CONSTANT = {-128, 5, 127};

    private ConcatConstantModel() {
    }

    public static byte[] model(boolean constantFirst) {
        TinyModel m = new TinyModel();
        Random r = new Random(9);
        m.input = m.int8("x", new int[] {1, 8}, null, 0.05f, -128);
        int h = m.int8("h", new int[] {1, 6}, null, 0.1f, -3);
        int k = m.int8("k", new int[] {1, 3}, CONSTANT.clone(), 0.1f, -3);
        int cat = m.int8("cat", new int[] {1, 9}, null, 0.1f, -3);
        int y = m.int8("y", new int[] {1, 3}, null, 0.2f, 4);
        fc(m, r, m.input, 8, h, 6);
        m.op(2, 2, constantFirst ? new int[] {k, h} : new int[] {h, k}, cat, BuiltinOptions.ConcatenationOptions,
                b -> ConcatenationOptions.createConcatenationOptions(b, 1, ActivationFunctionType.NONE));
        fc(m, r, cat, 9, y, 3);
        m.output = y;
        return m.build();
    }

    private static void fc(TinyModel m, Random r, int in, int inN, int out, int outN) {
        byte[] w = new byte[outN * inN];
        for (int i = 0; i < w.length; i++) {
            w[i] = (byte) (r.nextInt(161) - 80);
        }
        int wt = m.int8("w" + out, new int[] {outN, inN}, w, 0.01f, 0);
        int bt = m.tensor("b" + out, new int[] {outN}, TensorType.INT32, TinyModel.ints(new int[outN]),
                new float[] {0.0005f}, new long[] {0}, 0);
        m.op(9, 9, new int[] {in, wt, bt}, out, BuiltinOptions.FullyConnectedOptions,
                b -> FullyConnectedOptions.createFullyConnectedOptions(b, ActivationFunctionType.NONE, (byte) 0,
                        false));
    }
}
