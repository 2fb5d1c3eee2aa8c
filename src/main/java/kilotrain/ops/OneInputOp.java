package kilotrain.ops;

import java.util.List;

import kilotrain.ir.Tensor;

/** An operator with one activation input and one output that only moves, compares or maps values (0 MACs). */
public abstract class OneInputOp extends ForwardOp {
    public final Tensor input, output;

    protected OneInputOp(String name, Tensor input, Tensor output) {
        super(name);
        this.input = input;
        this.output = output;
    }

    @Override
    public final List<Tensor> inputs() {
        return List.of(input);
    }

    @Override
    public final Tensor output() {
        return output;
    }

    @Override
    public long macs() {
        return 0;
    }
}
