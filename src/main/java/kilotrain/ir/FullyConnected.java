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
