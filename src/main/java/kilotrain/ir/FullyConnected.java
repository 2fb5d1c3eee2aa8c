package kilotrain.ir;

import java.util.List;

/** {@code out[o] = requant(sum_i W[o][i] * (x[i] - z_x) + b[o])}; the input is read flat. */
public final class FullyConnected extends Op {
    public final Tensor input, weight, bias, output;
    public final Requant requant;
    public final int actMin, actMax;
    public final String activation;

    public FullyConnected(String name, Tensor input, Tensor weight, Tensor bias, Tensor output, Requant requant,
            int actMin, int actMax, String activation) {
        super(name);
        this.input = input;
        this.weight = weight;
        this.bias = bias;
        this.output = output;
        this.requant = requant;
        this.actMin = actMin;
        this.actMax = actMax;
        this.activation = activation;
        if (weight.rank() != 2 || weight.dim(1) != input.elements() || weight.dim(0) != output.elements()) {
            throw new IllegalArgumentException("FullyConnected '" + name + "': weight "
                    + java.util.Arrays.toString(weight.shape) + " does not map " + input.elements() + " inputs to "
                    + output.elements() + " outputs");
        }
        if (bias != null && bias.elements() != output.elements()) {
            throw new IllegalArgumentException("FullyConnected '" + name + "': bias has " + bias.elements()
                    + " values for " + output.elements() + " outputs");
        }
    }

    private Conv2D lowered;

    /**
     * This layer as the 1x1 convolution on one pixel that computes the same bytes: input {@code [1, 1, 1, in]}, OHWI
     * weights {@code [out, 1, 1, in]} (the same bytes as {@code [out, in]}), output {@code [1, 1, 1, out]}, its bias,
     * requantization (per output channel) and clamp. The training step lowers a trained fully connected layer to it, so
     * it trains as a convolution does (QAS, partial input channels, the device update rules, the C kernels). The same
     * object on every call; its input and output tensors are views of this layer's.
     */
    public synchronized Conv2D asConv() {
        if (lowered == null) {
            int in = inFeatures(), out = outFeatures();
            Quant wq = weight.quant;
            if (wq == null || input.quant == null || output.quant == null) {
                throw new IllegalArgumentException("FullyConnected '" + name + "' is not quantized");
            }
            double[] scales = new double[out];
            for (int o = 0; o < out; o++) {
                scales[o] = wq.scalesDouble[wq.scalesDouble.length == 1 ? 0 : o];
            }
            Tensor x = new Tensor(input.name + ".pixel", new int[] {1, 1, 1, in}, input.dtype, input.quant);
            Tensor w = Tensor.int8(weight.name, new int[] {out, 1, 1, in}, Quant.perAxis(scales, new int[out], 0),
                    weight.int8Data.clone());
            Tensor b = bias == null ? null : Tensor.int32(bias.name, new int[] {out}, null, bias.int32Data.clone());
            Tensor y = new Tensor(output.name + ".pixel", new int[] {1, 1, 1, out}, output.dtype, output.quant);
            lowered = new Conv2D(name, x, w, b, y, 1, 1, 1, 1, Padding.NONE, 1, requant.perChannel(out), actMin,
                    actMax, activation);
        }
        return lowered;
    }

    public int inFeatures() {
        return weight.dim(1);
    }

    public int outFeatures() {
        return weight.dim(0);
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
        return "FullyConnected";
    }

    @Override
    public long macs() {
        return (long) weight.dim(0) * weight.dim(1);
    }
}
