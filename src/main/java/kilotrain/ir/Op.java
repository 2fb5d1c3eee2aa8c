package kilotrain.ir;

import java.util.List;

/**
 * One operator of the forward graph. Subclasses are plain data; the math lives in {@code kilotrain.ops}, and every
 * operator is registered once in {@code kilotrain.ops.Operators} (import rule, inference binding). The class is open
 * because each operator's node lives in its own folder {@code kilotrain.ops.<op>}; what every consumer needs of an
 * operator is an abstract method here or in {@code kilotrain.ops.ForwardOp}, so a missing one fails to compile.
 */
public abstract class Op {
    public final String name;

    protected Op(String name) {
        this.name = name;
    }

    public abstract List<Tensor> inputs();

    public abstract Tensor output();

    /** Short operator type, as `inspect` prints it. */
    public abstract String kind();

    /**
     * Multiply-accumulates of one forward pass (convolutions, fully connected layers, elementwise products); 0 for
     * operators that only move, compare or clamp values.
     */
    public abstract long macs();

    @Override
    public String toString() {
        return kind() + " " + name;
    }
}
