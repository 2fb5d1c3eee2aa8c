package kilotrain.ops.maxpool;

import java.util.Arrays;

import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.Pool2DOptions;
import kilotrain.ir.Padding;
import kilotrain.ir.Tensor;
import kilotrain.ops.Binder;
import kilotrain.ops.Forward;
import kilotrain.ops.OneInputOp;
import kilotrain.ops.TfliteOperator;

/**
 * MAX_POOL_2D on NHWC int8: the largest value of each window (only in-bounds pixels count, so padding never wins),
 * clamped to the fused activation's range, as TFLite's reference integer kernel does. The bytes are not requantized.
 */
public final class MaxPool2D extends OneInputOp {
    public final int filterH, filterW, strideH, strideW;
    public final Padding padding;
    public final int actMin, actMax;

    public MaxPool2D(String name, Tensor input, Tensor output, int filterH, int filterW, int strideH, int strideW,
            Padding padding, int actMin, int actMax) {
        super(name, input, output);
        this.filterH = filterH;
        this.filterW = filterW;
        this.strideH = strideH;
        this.strideW = strideW;
        this.padding = padding;
        this.actMin = actMin;
        this.actMax = actMax;
        if (input.rank() != 4 || output.rank() != 4 || input.channels() != output.channels() || input.dim(0) != 1) {
            throw new IllegalArgumentException("MaxPool2D '" + name + "': expects NHWC [1, H, W, C] input and output "
                    + "with the same channels, got " + Arrays.toString(input.shape) + " -> "
                    + Arrays.toString(output.shape));
        }
        int oh = Padding.outSize(input.height(), filterH, strideH, 1, padding.top(), padding.bottom());
        int ow = Padding.outSize(input.width(), filterW, strideW, 1, padding.left(), padding.right());
        if (oh != output.height() || ow != output.width()) {
            throw new IllegalArgumentException("MaxPool2D '" + name + "': output " + output.height() + "x"
                    + output.width() + " does not match the " + oh + "x" + ow + " its window gives");
        }
    }

    public static MaxPool2D read(TfliteOperator op) {
        op.arity(1, 1);
        Pool2DOptions o = op.options(BuiltinOptions.Pool2DOptions, new Pool2DOptions());
        int fw = positive(op, o.filterWidth(), "filter_width"), fh = positive(op, o.filterHeight(), "filter_height");
        int sw = positive(op, o.strideW(), "stride_w"), sh = positive(op, o.strideH(), "stride_h");
        Tensor x = op.input(0), y = op.output();
        if (x.rank() != 4) {
            throw op.error("expects a 4-D NHWC input, got " + Arrays.toString(x.shape));
        }
        Padding pad = Padding.of(o.padding() == kilotrain.ops.tflite.schema.Padding.SAME, x.height(), x.width(),
                fh, fw, sh, sw);
        int[] range = op.activationRange(o.fusedActivationFunction(), y);
        return new MaxPool2D(op.name(), x, y, fh, fw, sh, sw, pad, range[0], range[1]);
    }

    static int positive(TfliteOperator op, int v, String what) {
        if (v < 1 || v > 1 << 16) {
            throw op.error(what + " " + v + " is outside 1..65536");
        }
        return v;
    }

    @Override
    public String kind() {
        return "MaxPool2D";
    }

    @Override
    public Forward bind(Binder b) {
        int in = b.slot(input), out = b.slot(output);
        int inH = input.height(), inW = input.width(), c = input.channels(), outH = output.height(),
                outW = output.width(), top = padding.top(), left = padding.left();
        return (s, sc) -> forward(s[in], 0, inH, inW, c, outH, outW, filterH, filterW, strideH, strideW, top, left,
                actMin, actMax, s[out], 0);
    }

    public static void forward(byte[] x, int inH, int inW, int c, int outH, int outW, int fh, int fw, int sh, int sw,
            int padTop, int padLeft, int actMin, int actMax, byte[] y) {
        forward(x, 0, inH, inW, c, outH, outW, fh, fw, sh, sw, padTop, padLeft, actMin, actMax, y, 0);
    }

    /** The reference kernel, with the input and output at offsets of their arrays. */
    public static void forward(byte[] x, int xOff, int inH, int inW, int c, int outH, int outW, int fh, int fw,
            int sh, int sw, int padTop, int padLeft, int actMin, int actMax, byte[] y, int yOff) {
        for (int oy = 0; oy < outH; oy++) {
            int y0 = oy * sh - padTop;
            int yStart = Math.max(0, y0), yEnd = Math.min(inH, y0 + fh);
            for (int ox = 0; ox < outW; ox++) {
                int x0 = ox * sw - padLeft;
                int xStart = Math.max(0, x0), xEnd = Math.min(inW, x0 + fw);
                int o = yOff + (oy * outW + ox) * c;
                for (int ch = 0; ch < c; ch++) {
                    int max = -128;
                    for (int iy = yStart; iy < yEnd; iy++) {
                        int base = xOff + iy * inW * c + ch;
                        for (int ix = xStart; ix < xEnd; ix++) {
                            max = Math.max(max, x[base + ix * c]);
                        }
                    }
                    y[o + ch] = (byte) Math.min(Math.max(max, actMin), actMax);
                }
            }
        }
    }

    /**
     * The gradient, from the saved input: each output's {@code g_y} goes to the first input pixel of its window (rows,
     * then columns, ascending) holding the window's maximum, unless the fused activation clamped that maximum (then
     * nowhere). {@code g_x} is cleared to +0 first unless {@code acc}; contributions of overlapping windows add in
     * output order (row, column, channel ascending).
     */
    public void backward(byte[] x, int xOff, float[] gy, float[] gx, boolean acc) {
        int inH = input.height(), inW = input.width(), c = input.channels(), outH = output.height(),
                outW = output.width();
        if (!acc) {
            java.util.Arrays.fill(gx, 0, input.elements(), 0.0f);
        }
        for (int oy = 0; oy < outH; oy++) {
            int y0 = oy * strideH - padding.top();
            int yStart = Math.max(0, y0), yEnd = Math.min(inH, y0 + filterH);
            for (int ox = 0; ox < outW; ox++) {
                int x0 = ox * strideW - padding.left();
                int xStart = Math.max(0, x0), xEnd = Math.min(inW, x0 + filterW);
                int o = (oy * outW + ox) * c;
                for (int ch = 0; ch < c; ch++) {
                    int max = -129, at = -1;
                    for (int iy = yStart; iy < yEnd; iy++) {
                        for (int ix = xStart; ix < xEnd; ix++) {
                            int i = (iy * inW + ix) * c + ch;
                            if (x[xOff + i] > max) {
                                max = x[xOff + i];
                                at = i;
                            }
                        }
                    }
                    if (at >= 0 && max >= actMin && max <= actMax) {
                        gx[at] = gx[at] + gy[o + ch];
                    }
                }
            }
        }
    }
}
