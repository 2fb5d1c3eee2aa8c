package kilotrain.ir;

import java.util.Arrays;
import java.util.List;

/**
 * 2-D convolution, NHWC activations and OHWI weights ({@code [cout, kh, kw, cin / groups]}). Standard, grouped,
 * depthwise ({@code groups == cin}, any channel multiplier) and pointwise convolutions are all this one op.
 * The output clamp {@code [actMin, actMax]} is in the quantized output domain and already folds ReLU / ReLU6.
 */
public final class Conv2D extends Op {
    public final Tensor input;
    public final Tensor weight;
    /** int32 bias with scale {@code s_x * s_w[c]}, or null. */
    public final Tensor bias;
    public final Tensor output;
    public final int strideH, strideW, dilationH, dilationW, groups;
    public final Padding padding;
    public final Requant requant;
    public final int actMin, actMax;
    /** The fused activation as the source model named it (NONE, RELU, RELU6, ...), for reports only. */
    public final String activation;

    public Conv2D(String name, Tensor input, Tensor weight, Tensor bias, Tensor output, int strideH, int strideW,
            int dilationH, int dilationW, Padding padding, int groups, Requant requant, int actMin, int actMax,
            String activation) {
        super(name);
        this.input = input;
        this.weight = weight;
        this.bias = bias;
        this.output = output;
        this.strideH = strideH;
        this.strideW = strideW;
        this.dilationH = dilationH;
        this.dilationW = dilationW;
        this.padding = padding;
        this.groups = groups;
        this.requant = requant;
        this.actMin = actMin;
        this.actMax = actMax;
        this.activation = activation;
        validate();
    }

    private void validate() {
        String where = "Conv2D '" + name + "'";
        if (input.rank() != 4 || output.rank() != 4 || weight.rank() != 4) {
            throw new IllegalArgumentException(where + ": expects 4-D input, weight and output, got "
                    + Arrays.toString(input.shape) + ", " + Arrays.toString(weight.shape) + ", "
                    + Arrays.toString(output.shape));
        }
        int cin = input.channels(), cout = output.channels();
        if (groups <= 0 || cin % groups != 0 || cout % groups != 0) {
            throw new IllegalArgumentException(where + ": " + groups + " groups do not divide " + cin
                    + " input and " + cout + " output channels");
        }
        if (weight.dim(0) != cout || weight.dim(3) != cin / groups) {
            throw new IllegalArgumentException(where + ": weight " + Arrays.toString(weight.shape)
                    + " does not fit " + cin + " -> " + cout + " channels in " + groups + " groups");
        }
        if (strideH <= 0 || strideW <= 0 || dilationH <= 0 || dilationW <= 0) {
            throw new IllegalArgumentException(where + ": stride and dilation must be positive");
        }
        int oh = Padding.outSize(input.height(), kernelH(), strideH, dilationH, padding.top(), padding.bottom());
        int ow = Padding.outSize(input.width(), kernelW(), strideW, dilationW, padding.left(), padding.right());
        if (oh != output.height() || ow != output.width()) {
            throw new IllegalArgumentException(where + ": output " + Arrays.toString(output.shape)
                    + " does not match the " + oh + "x" + ow + " that input " + Arrays.toString(input.shape)
                    + " and kernel " + kernelH() + "x" + kernelW() + " give");
        }
        if (bias != null && bias.elements() != cout) {
            throw new IllegalArgumentException(where + ": bias has " + bias.elements() + " values for " + cout
                    + " output channels");
        }
        if (requant.channels() != cout && requant.channels() != 1) {
            throw new IllegalArgumentException(where + ": " + requant.channels() + " requantization scales for "
                    + cout + " channels");
        }
    }

    public int kernelH() {
        return weight.dim(1);
    }

    public int kernelW() {
        return weight.dim(2);
    }

    public boolean isDepthwise() {
        return groups > 1 && groups == input.channels();
    }

    public boolean isPointwise() {
        return kernelH() == 1 && kernelW() == 1 && groups == 1;
    }

    @Override
    public List<Tensor> inputs() {
        return bias == null ? List.of(input, weight) : List.of(input, weight, bias);
    }

    @Override
    public Tensor output() {
        return output;
    }

    @Override
    public String kind() {
        return isDepthwise() ? "DepthwiseConv2D" : isPointwise() ? "Conv2D-1x1" : "Conv2D";
    }

    @Override
    public long macs() {
        return (long) output.elements() * kernelH() * kernelW() * (input.channels() / groups);
    }
}
