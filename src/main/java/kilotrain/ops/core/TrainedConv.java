package kilotrain.ops.core;

import kilotrain.ir.Conv2D;

/**
 * What trains in one backbone convolution: its bias (all channels) and/or the weights of the kept channels
 * (input channels; for depthwise convs, channels), largest L2 norm first, stored ascending. The device keeps exactly
 * this slice in SRAM and updates exactly these channels.
 */
public final class TrainedConv {
    public final int index;
    public final Conv2D op;
    public final boolean bias;
    /** Kept channel indices, ascending; null when the weights are frozen. */
    public final int[] keptChannels;
    public final double ratio;

    public TrainedConv(int index, Conv2D op, boolean bias, int[] keptChannels, double ratio) {
        this.index = index;
        this.op = op;
        this.bias = bias;
        this.keptChannels = keptChannels;
        this.ratio = ratio;
    }

    public boolean weights() {
        return keptChannels != null;
    }

    public boolean partial() {
        return keptChannels != null && keptChannels.length < (op.isDepthwise() ? op.input.channels()
                : op.input.channels() / op.groups);
    }

    /** Elements of the trained weight slice. */
    public int weightSliceElements() {
        if (keptChannels == null) {
            return 0;
        }
        int k = keptChannels.length;
        return op.isDepthwise() ? k * op.kernelH() * op.kernelW() * (op.output.channels() / op.input.channels())
                : op.output.channels() * op.kernelH() * op.kernelW() * k;
    }
}
