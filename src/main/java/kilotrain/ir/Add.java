package kilotrain.ir;

/**
 * Elementwise sum of two int8 tensors of the same shape with different quantizations, requantized to the output.
 * TFLite's rule is its fixed-point ADD (left shift 20, per-input multipliers); the paper's is float32:
 * {@code rint(((x1 - z1) * s1 + (x2 - z2) * s2) / s_y) + z_y}.
 */
public final class Add extends BinaryOp {
    public enum Rule { TFLITE_FIXED_POINT, FLOAT_RINT }

    public final Rule rule;

    public Add(String name, Tensor a, Tensor b, Tensor output, Rule rule, int actMin, int actMax) {
        super(name, a, b, output, actMin, actMax);
        this.rule = rule;
        if (a.elements() != b.elements() || a.elements() != output.elements()) {
            throw new IllegalArgumentException("Add '" + name + "': inputs of " + a.elements() + " and "
                    + b.elements() + " values and output of " + output.elements() + " differ (no broadcasting)");
        }
    }

    @Override
    public String kind() {
        return "Add";
    }

    @Override
    public long macs() {
        return 0;
    }
}
