package kilotrain.ir;

import java.util.List;

/**
 * Softmax over the last dimension. Computed in float32 from the dequantized input and quantized to the output
 * (TFLite int8 softmax outputs use scale 1/256, zero point -128); it never changes the ranking of classes.
 */
public final class Softmax extends Op {
    public final Tensor input, output;
    public final float beta;

    public Softmax(String name, Tensor input, Tensor output, float beta) {
        super(name);
        this.input = input;
        this.output = output;
        this.beta = beta;
        if (input.elements() != output.elements()) {
            throw new IllegalArgumentException("Softmax '" + name + "': input and output sizes differ");
        }
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
        return "Softmax";
    }

    @Override
    public long macs() {
        return 0;
    }
}
