package kilotrain.ops;

/**
 * The gradient rule of a {@link TableOp}: its output's derivative with respect to its input, in the int8 domain the
 * backward works in ({@code docs/backward.md}: gradients are taken with respect to the int8 values), as one float32
 * per input byte. A table operator implementing it trains through {@code kilotrain.ops.table.TableTraining}.
 */
public interface TableGradient {
    /**
     * {@code d q_y / d q_x} at the int8 input {@code x} (-128..127), exactly the float32 the backward multiplies by:
     * 0 where the output saturates or is clamped (the table operator's mask is folded into this value).
     */
    float gradient(int x);

    /** The 256 gradients, indexed by the input byte: {@code [x & 0xff] == gradient(x)}. */
    default float[] gradientTable() {
        float[] d = new float[256];
        for (int x = -128; x < 128; x++) {
            d[x & 0xff] = gradient(x);
        }
        return d;
    }
}
