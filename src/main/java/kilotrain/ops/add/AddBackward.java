package kilotrain.ops.add;

import kilotrain.ir.Add;

/**
 * Backward pass of the quantized residual add {@code y = clamp(rint((s1(x1-z1) + s2(x2-z2)) / sy) + zy)}:
 * {@code g_x1 = mask ? g_y * r1 : +0}, {@code g_x2 = mask ? g_y * r2 : +0}, with the float32 ratios
 * {@code r = (float)(s / sy)} computed once in double on the host from the scales as the model wrote them (the
 * device only sees the two floats). The mask is the add output's clamp mask (bit per element, as ConvMask).
 */
public final class AddBackward {
    private AddBackward() {
    }

    public static float ratio(double scale, double outScale) {
        return (float) (scale / outScale);
    }

    public static float ratioA(Add op) {
        return ratio(op.a.quant.scaleDouble(), op.output.quant.scaleDouble());
    }

    public static float ratioB(Add op) {
        return ratio(op.b.quant.scaleDouble(), op.output.quant.scaleDouble());
    }

    /** Both input gradients (overwritten) of n elements. */
    public static void inputGrads(float[] gY, int gyOff, byte[] mask, int maskOff, float r1, float r2, int n,
            float[] g1, int g1Off, float[] g2, int g2Off) {
        for (int i = 0; i < n; i++) {
            boolean pass = ((mask[maskOff + (i >>> 3)] >>> (i & 7)) & 1) != 0;
            float g = gY[gyOff + i];
            g1[g1Off + i] = pass ? g * r1 : 0.0f;
            g2[g2Off + i] = pass ? g * r2 : 0.0f;
        }
    }

    public static void inputGrads(Add op, float[] gY, int gyOff, byte[] mask, int maskOff, float[] g1, int g1Off,
            float[] g2, int g2Off) {
        inputGrads(gY, gyOff, mask, maskOff, ratioA(op), ratioB(op), op.output.elements(), g1, g1Off, g2, g2Off);
    }
}
