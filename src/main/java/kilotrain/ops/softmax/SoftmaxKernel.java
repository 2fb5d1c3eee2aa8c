package kilotrain.ops.softmax;

import kilotrain.ir.Softmax;

/**
 * Int8 softmax over the last dimension, computed in floating point: {@code p = softmax(beta * s_x * (x - z_x))}
 * (exp in double of float32 logits, normalised in double, rounded to float32), then
 * {@code q = clamp(rint(p / s_y) + z_y, -128, 127)}. TFLite's int8 kernel uses a fixed-point exp table instead, so
 * its outputs can differ from these by one quantization step; the class ranking, which is all the project uses
 * softmax outputs for, is the same up to such ties.
 */
public final class SoftmaxKernel {
    private SoftmaxKernel() {
    }

    public static void forward(Softmax op, byte[] x, int xOff, byte[] y, int yOff, double[] scratch) {
        int depth = op.input.dim(-1);
        int rows = op.input.elements() / depth;
        for (int r = 0; r < rows; r++) {
            forward(x, xOff + r * depth, depth, op.input.quant.scale(), op.input.quant.zeroPoint(), op.beta,
                    op.output.quant.scale(), op.output.quant.zeroPoint(), y, yOff + r * depth, scratch);
        }
    }

    public static void forward(byte[] x, int xOff, int depth, float sx, int zx, float beta, float sy, int zy, byte[] y,
            int yOff, double[] e) {
        int max = Integer.MIN_VALUE;
        for (int i = 0; i < depth; i++) {
            max = Math.max(max, x[xOff + i]);
        }
        double sum = 0;
        for (int i = 0; i < depth; i++) {
            float logit = beta * sx * (float) (x[xOff + i] - max);
            e[i] = Math.exp(logit);
            sum += e[i];
        }
        for (int i = 0; i < depth; i++) {
            float p = (float) (e[i] / sum);
            float q = (float) Math.rint(p / sy) + zy;
            y[yOff + i] = (byte) (int) (q < -128f ? -128f : q > 127f ? 127f : q);
        }
    }
}
