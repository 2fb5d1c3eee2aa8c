package kilotrain.ir;

import java.util.List;

/** Same bytes, new shape. */
public final class Reshape extends Op {
    public final Tensor input, output;

    public Reshape(String name, Tensor input, Tensor output) {
        super(name);
        this.input = input;
        this.output = output;
        if (input.elements() != output.elements()) {
            throw new IllegalArgumentException("Reshape '" + name + "': " + input.elements() + " values cannot become "
                    + output.elements());
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
        return "Reshape";
    }

    @Override
    public long macs() {
        return 0;
    }
}
