package kilotrain.ops;

import kilotrain.ir.Tensor;

/**
 * An elementwise operator whose int8 output depends on the int8 input value alone (activations, requantization):
 * {@link #apply} states the reference arithmetic for one value, and the binding evaluates it once for each of the 256
 * inputs into a table, so the kernel is a lookup that gives exactly the reference's bytes.
 */
public abstract class TableOp extends OneInputOp {
    protected TableOp(String name, Tensor input, Tensor output) {
        super(name, input, output);
        if (input.elements() != output.elements()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " '" + name + "': input " + input + " and output " + output
                    + " sizes differ");
        }
    }

    /** The int8 output for the int8 input {@code x}, as the reference kernel computes it. */
    public abstract int apply(int x);

    /** The 256 outputs, indexed by the input byte: {@code table()[x & 0xff] == apply(x)}. */
    public final byte[] table() {
        byte[] table = new byte[256];
        for (int x = -128; x < 128; x++) {
            table[x & 0xff] = (byte) apply(x);
        }
        return table;
    }

    @Override
    public final Forward bind(Binder b) {
        byte[] table = table();
        int in = b.slot(input), out = b.slot(output), n = input.elements();
        return (s, sc) -> {
            byte[] x = s[in], y = s[out];
            for (int i = 0; i < n; i++) {
                y[i] = table[x[i] & 0xff];
            }
        };
    }
}
