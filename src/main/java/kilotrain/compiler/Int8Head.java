package kilotrain.compiler;

import kilotrain.KtException;
import kilotrain.ir.Conv2D;
import kilotrain.ir.DType;
import kilotrain.ir.FullyConnected;
import kilotrain.ir.Op;
import kilotrain.ir.Padding;
import kilotrain.ir.Quant;
import kilotrain.ir.Requant;
import kilotrain.ir.Reshape;
import kilotrain.ir.Tensor;
import kilotrain.ops.requant.FixedPointMath;

/**
 * A new int8 fully connected classifier for the dataset's classes, the layer the device runs. It is built as a 1x1
 * convolution on the one-pixel feature ({@code [1, 1, 1, F]}, OHWI weights {@code [classes, 1, 1, F]}, the same bytes
 * as a fully connected layer's {@code [classes, F]}), so it trains through the convolution path: int8 forward with
 * its clamp mask, float32 backward, QAS per output channel, the int8 weight and int32 bias update rules.
 *
 * <p>Quantization, all fixed before training from the model's own classifier and the seed:
 * <ul>
 * <li>weights: symmetric, per output channel, every channel starting at the same scale
 *     {@code s_W = R / 127}, where R is the mean over the model's classifier rows of the largest real |weight| in the
 *     row: the range a classifier trained on this very feature needed. (The initial weights' own range would cap the
 *     weights at their initial bound, 4 to 25 times below what the models' trained classifiers reach.)</li>
 * <li>initial values: the float head's seeded draw ({@link HeadInit#uniform}), {@code q = rint(w / s_W)} clamped to
 *     [-127, 127]; bias {@code rint(b / (s_x s_W))}.</li>
 * <li>logits: the quantization of the model's classifier output (zero point and scale), its calibrated logit range;
 *     the loss reads {@code s_y (q - z_y)}.</li>
 * <li>requantization: the model family's own rule (the paper's float rint for .pkl models, TFLite's fixed point for
 *     TFLite models), so a TFLite FULLY_CONNECTED written with these scales imports back to the same arithmetic.</li>
 * </ul>
 */
public final class Int8Head {
    /** A reshape of a flat feature to one pixel (null when the feature already is one), and the head. */
    public final Reshape reshape;
    public final Conv2D conv;

    private Int8Head(Reshape reshape, Conv2D conv) {
        this.reshape = reshape;
        this.conv = conv;
    }

    public static Int8Head build(Op classifier, Tensor feature, int classes, long seed) {
        int f = feature.elements();
        Quant fq = feature.quant;
        Tensor x = feature;
        Reshape reshape = null;
        if (!(feature.rank() == 4 && feature.height() == 1 && feature.width() == 1)) {
            x = new Tensor(feature.name + ".pixel", new int[] {1, 1, 1, f}, DType.INT8, fq);
            reshape = new Reshape("head.pixel", feature, x);
        }
        Tensor cw = classifier instanceof Conv2D c ? c.weight : ((FullyConnected) classifier).weight;
        Tensor y0 = classifier.output();
        if (y0.quant == null || !y0.quant.perTensor()) {
            throw new KtException("classifier '" + classifier.name + "' has no per-tensor output quantization to give"
                    + " the int8 head its logit range");
        }
        float sw = (float) (meanRowRange(cw) / 127.0);
        if (!(sw > 0f) || Float.isInfinite(sw)) {
            throw new KtException("classifier '" + classifier.name + "' has all-zero weights: no range for the int8 head");
        }
        float[][] init = HeadInit.uniform(classes, f, seed);
        byte[] q = new byte[classes * f];
        for (int i = 0; i < q.length; i++) {
            q[i] = (byte) Math.max(-127, Math.min(127, Math.rint(init[0][i] / sw)));
        }
        double[] scales = new double[classes];
        java.util.Arrays.fill(scales, sw);
        int[] bias = new int[classes];
        double sx = fq.scale();
        for (int o = 0; o < classes; o++) {
            bias[o] = (int) Math.rint(init[1][o] / (sx * sw));
        }
        Tensor w = Tensor.int8("head.weight", new int[] {classes, 1, 1, f}, Quant.perAxis(scales, new int[classes], 0), q);
        Tensor b = Tensor.int32("head.bias", new int[] {classes}, null, bias);
        // float32-representable scale so that a TFLite file stores exactly the quantization trained here
        Quant yq = Quant.perTensor(y0.quant.scale(), y0.quant.zeroPoint());
        Tensor y = new Tensor("head.logits", new int[] {1, 1, 1, classes}, DType.INT8, yq);
        Requant rq = requant(classifier, sx, sw, yq.scale(), classes);
        Conv2D conv = new Conv2D("head", x, w, b, y, 1, 1, 1, 1, Padding.NONE, 1, rq, -128, 127, "NONE");
        return new Int8Head(reshape, conv);
    }

    /**
     * The model's own fully connected output layer as the same 1x1 convolution (its weights, bias, quantization,
     * requantization and clamp), so that a regression trains it through the convolution path: the bytes and the
     * arithmetic of the layer stay those of the file.
     */
    public static Int8Head own(FullyConnected fc) {
        Tensor feature = fc.input;
        int f = feature.elements(), out = fc.outFeatures();
        Quant fq = feature.quant;
        Tensor x = new Tensor(feature.name + ".pixel", new int[] {1, 1, 1, f}, DType.INT8, fq);
        Reshape reshape = new Reshape("head.pixel", feature, x);
        Quant wq = fc.weight.quant;
        if (wq == null) {
            throw new KtException("fully connected layer '" + fc.name + "' has unquantized weights");
        }
        double[] scales = new double[out];
        for (int o = 0; o < out; o++) {
            scales[o] = wq.scalesDouble[wq.scalesDouble.length == 1 ? 0 : o];
        }
        Tensor w = Tensor.int8("head.weight", new int[] {out, 1, 1, f}, Quant.perAxis(scales, new int[out], 0),
                fc.weight.int8Data.clone());
        Tensor b = fc.bias == null ? null
                : Tensor.int32("head.bias", new int[] {out}, null, fc.bias.int32Data.clone());
        Quant yq = Quant.perTensor(fc.output.quant.scale(), fc.output.quant.zeroPoint());
        Tensor y = new Tensor("head.logits", new int[] {1, 1, 1, out}, DType.INT8, yq);
        Conv2D conv = new Conv2D("head", x, w, b, y, 1, 1, 1, 1, Padding.NONE, 1, fc.requant.perChannel(out),
                fc.actMin, fc.actMax, fc.activation);
        return new Int8Head(reshape, conv);
    }

    /** Mean over output rows of the largest real |weight| in the row. */
    static double meanRowRange(Tensor w) {
        int rows = w.dim(0), per = w.elements() / rows;
        double sum = 0;
        for (int o = 0; o < rows; o++) {
            int m = 0;
            for (int i = 0; i < per; i++) {
                m = Math.max(m, Math.abs(w.int8Data[o * per + i]));
            }
            sum += m * w.quant.scalesDouble[w.quant.scalesDouble.length == 1 ? 0 : o];
        }
        return sum / rows;
    }

    /** The requantization rule of the classifier's family, with the head's scales. */
    private static Requant requant(Op classifier, double sx, float sw, float sy, int classes) {
        Requant family = classifier instanceof Conv2D c ? c.requant : ((FullyConnected) classifier).requant;
        if (family instanceof Requant.FloatRint) {
            float[] eff = new float[classes];
            java.util.Arrays.fill(eff, (float) (sx * sw / sy));
            return new Requant.FloatRint(eff);
        }
        // as TensorReader.requant computes it from a file's float32 scales
        double eff = sx * (double) sw / sy;
        FixedPointMath.Multiplier m = FixedPointMath.quantizeMultiplier(eff);
        int[] mult = new int[classes], shift = new int[classes];
        java.util.Arrays.fill(mult, m.multiplier());
        java.util.Arrays.fill(shift, m.shift());
        return new Requant.FixedPoint(mult, shift);
    }
}
