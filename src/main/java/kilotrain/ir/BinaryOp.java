package kilotrain.ir;

import java.util.List;

/**
 * An elementwise operator of two int8 operands and one output with a fused activation range [actMin, actMax]: the
 * same-shape residual {@link Add} and the broadcasting MUL, SUB and ADD of {@code kilotrain.ops.elementwise}.
 */
public abstract class BinaryOp extends Op {
    public final Tensor a, b, output;
    public final int actMin, actMax;

    protected BinaryOp(String name, Tensor a, Tensor b, Tensor output, int actMin, int actMax) {
        super(name);
        this.a = a;
        this.b = b;
        this.output = output;
        this.actMin = actMin;
        this.actMax = actMax;
    }

    @Override
    public final List<Tensor> inputs() {
        return List.of(a, b);
    }

    @Override
    public final Tensor output() {
        return output;
    }
}
