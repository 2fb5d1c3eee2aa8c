package kilotrain.ir;

import java.util.List;

/**
 * Average pooling over windows (global pooling is a window of the whole input). Input and output share
 * their quantization in both model families.
 */
public final class AvgPool2D extends Op {
    /** TFLite divides the integer sum rounding half away from zero; the paper takes rint of a float32 mean. */
    public enum Rounding { HALF_AWAY_FROM_ZERO, FLOAT_RINT }

    public final Tensor input, output;
    public final int filterH, filterW, strideH, strideW;
    public final Padding padding;
    public final Rounding rounding;
    public final int actMin, actMax;

    public AvgPool2D(String name, Tensor input, Tensor output, int filterH, int filterW, int strideH, int strideW,
            Padding padding, Rounding rounding, int actMin, int actMax) {
        super(name);
        this.input = input;
        this.output = output;
        this.filterH = filterH;
        this.filterW = filterW;
        this.strideH = strideH;
        this.strideW = strideW;
        this.padding = padding;
        this.rounding = rounding;
        this.actMin = actMin;
        this.actMax = actMax;
        if (input.rank() != 4 || output.rank() != 4 || input.channels() != output.channels()) {
            throw new IllegalArgumentException("AvgPool2D '" + name + "': expects 4-D NHWC input and output with "
                    + "the same channels");
        }
        int oh = Padding.outSize(input.height(), filterH, strideH, 1, padding.top(), padding.bottom());
        int ow = Padding.outSize(input.width(), filterW, strideW, 1, padding.left(), padding.right());
        if (oh != output.height() || ow != output.width()) {
            throw new IllegalArgumentException("AvgPool2D '" + name + "': output " + output.height() + "x"
                    + output.width() + " does not match the " + oh + "x" + ow + " its window gives");
        }
    }

    public boolean isGlobal() {
        return filterH == input.height() && filterW == input.width() && output.height() == 1 && output.width() == 1;
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(input);
    }

    @Override
    public Tensor output() {
        return output;
    }

    @Override
    public String kind() {
        return isGlobal() ? "GlobalAvgPool" : "AvgPool2D";
    }

    @Override
    public long macs() {
        return 0;
    }
}
