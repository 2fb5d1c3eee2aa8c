package kilotrain.ops.pool;

import kilotrain.ir.AvgPool2D;

/**
 * Int8 average pooling over NHWC windows; input and output share their quantization. Only in-bounds pixels are
 * counted (TFLite's rule; the paper's pooling is global so it never pads). Two roundings of the mean:
 * TFLite's integer {@code (sum +- count/2) / count} and the paper's {@code rint(float32 sum / count)}.
 */
public final class AvgPoolKernel {
    private AvgPoolKernel() {
    }

    public static void forward(AvgPool2D op, byte[] x, int xOff, byte[] y, int yOff) {
        forward(x, xOff, op.input.height(), op.input.width(), op.input.channels(), op.output.height(),
                op.output.width(), op.filterH, op.filterW, op.strideH, op.strideW, op.padding.top(),
                op.padding.left(), op.rounding == AvgPool2D.Rounding.FLOAT_RINT, op.actMin, op.actMax, y, yOff);
    }

    public static void forward(byte[] x, int xOff, int inH, int inW, int c, int outH, int outW, int fh, int fw,
            int sh, int sw, int padTop, int padLeft, boolean floatRint, int actMin, int actMax, byte[] y, int yOff) {
        for (int oy = 0; oy < outH; oy++) {
            int y0 = oy * sh - padTop;
            int yStart = Math.max(0, y0), yEnd = Math.min(inH, y0 + fh);
            for (int ox = 0; ox < outW; ox++) {
                int x0 = ox * sw - padLeft;
                int xStart = Math.max(0, x0), xEnd = Math.min(inW, x0 + fw);
                int count = (yEnd - yStart) * (xEnd - xStart);
                int o = yOff + (oy * outW + ox) * c;
                for (int ch = 0; ch < c; ch++) {
                    int sum = 0;
                    for (int iy = yStart; iy < yEnd; iy++) {
                        int base = xOff + (iy * inW) * c + ch;
                        for (int ix = xStart; ix < xEnd; ix++) {
                            sum += x[base + ix * c];
                        }
                    }
                    int q = count <= 0 ? 0 : floatRint ? floatRintMean(sum, count) : tfliteMean(sum, count);
                    y[o + ch] = (byte) (q < actMin ? actMin : Math.min(q, actMax));
                }
            }
        }
    }

    /** TFLite reference: rounds half away from zero with integer division. */
    public static int tfliteMean(int sum, int count) {
        return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
    }

    /** The paper: float32 mean (the int sum is exact in float32 for any realistic window), rint half to even. */
    public static int floatRintMean(int sum, int count) {
        return (int) Math.rint((float) sum / (float) count);
    }
}
