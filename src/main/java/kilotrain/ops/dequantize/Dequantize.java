package kilotrain.ops.dequantize;

import kilotrain.ir.Graph;
import kilotrain.ir.Tensor;

/**
 * DEQUANTIZE int8 -> float32, the last operator of a float-interface model. TFLite Micro's reference kernel computes
 * {@code (float) (scale * (q - zero))} with the scale in double ({@code reference_ops::Dequantize}, the scale of the
 * input tensor, a float, widened). kilotrain computes {@code (float) (q - zero) * scale} in float32 (on the host, in
 * the generated C and on the device, where double arithmetic would be a software routine): the same bits, because
 * {@code q - zero} is an integer of at most 9 bits and the float scale has 24, so the double product is exact and
 * both forms round the one exact product to float32 once ({@code DequantizeTest} checks it over the whole exponent
 * range).
 *
 * <p>The graph kilotrain runs ends at the int8 tensor the DEQUANTIZE reads ({@link Graph#output}, whose
 * quantization is the DEQUANTIZE's); everything that turns that tensor into the model's float output goes through
 * this class: {@code predict}'s scores and {@code --raw-output}, {@code eval}'s regression errors and anomaly scores,
 * the training step's predictions ({@link DequantizeFwd}: the regression and autoencoder losses read the model's
 * float output) and their gradient ({@link DequantizeBwd}: {@code d y / d q = scale}), and in C {@code kt_dequantize}
 * (what {@code kt_predict} writes to {@code logits_out}). The device API stays int8: a firmware that wants the float
 * outputs calls {@code kt_predict} or applies the same formula to the int8 output.
 */
public final class Dequantize {
    private Dequantize() {
    }

    /** The float32 value of one int8 value, as TFLite's DEQUANTIZE gives it. */
    public static float value(int q, float scale, int zero) {
        return (float) (q - zero) * scale;
    }

    /** {@code out[outOff + i] = value(q[qOff + i])} for {@code i < n}. */
    public static void run(byte[] q, int qOff, int n, float scale, int zero, float[] out, int outOff) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = (float) (q[qOff + i] - zero) * scale;
        }
    }

    /** The model's float output values for its int8 output {@code q} (quantization of {@code output}). */
    public static float[] of(byte[] q, Tensor output) {
        float[] out = new float[q.length];
        run(q, 0, q.length, output.quant.scale(), output.quant.zeroPoint(), out, 0);
        return out;
    }

    /**
     * The import rule's checks of a model's last DEQUANTIZE reading {@code int8} and writing a float32 tensor of
     * shape {@code floatShape}: one scale and zero point (per tensor), a positive finite scale, the same element
     * count. Returns null when it is fine, else what is wrong.
     */
    public static String check(Tensor int8, int[] floatShape) {
        if (int8.quant == null || !int8.quant.perTensor()) {
            return "its int8 input " + int8.name + " is not quantized per tensor (one scale and zero point)";
        }
        float s = int8.quant.scale();
        if (!(s > 0) || Float.isInfinite(s)) {
            return "its int8 input " + int8.name + " has scale " + s + "; a positive finite scale is needed";
        }
        long n = 1;
        for (int d : floatShape) {
            n *= d;
        }
        if (n != int8.elements()) {
            return "its float output has " + n + " elements, its int8 input " + int8.name + " " + int8.elements();
        }
        return null;
    }

    /** {@code inspect}'s figures of a graph's DEQUANTIZE: one multiplication per element (no MACs), bytes read + written. */
    public static long activationBytes(Graph g) {
        return g.floatOutput ? (long) g.output.elements() * (1 + Float.BYTES) : 0;
    }
}
