package kilotrain.ops.elementwise;

import kilotrain.ops.StridedIndex;
import kilotrain.ops.core.CEmitter;

/**
 * The C table of a MUL, SUB or broadcasting ADD ({@code kt_binary}): the output shape and both operands' strides
 * over it (0 along broadcast axes; shapes right-aligned in 6 axes), the rule's constants and the backward ratios;
 * a constant operand as {@code <name>_a} / {@code <name>_b}.
 */
final class BinaryTable {
    static final int RANK = 6;

    private BinaryTable() {
    }

    /** The table's name (declared on first use); its address is {@code &name}. */
    static String of(Binary op, CEmitter e) {
        return e.table(op, "kt_bin", n -> {
            if (op.output.rank() > RANK) {
                throw new kilotrain.KtException(op + ": the C kernel broadcasts up to " + RANK + " axes, the output has "
                        + op.output.rank());
            }
            if (op.a.isConstant()) {
                e.constBytes(n + "_a", op.a.int8Data);
            }
            if (op.b.isConstant()) {
                e.constBytes(n + "_b", op.b.int8Data);
            }
            float[] r = BinaryKernel.ratios(op);
            int m = op.kind == Binary.Kind.MUL ? 1 : 0;
            var rs = op.rescale;
            e.declare("static const kt_binary " + n + " = {.kind = " + op.kind.ordinal() + ", .n = "
                    + op.output.elements() + ", .na = " + op.a.elements() + ", .nb = " + op.b.elements()
                    + ", .bcast_a = " + (Binary.indexMap(op.a.shape, op.output.shape) != null ? 1 : 0)
                    + ", .bcast_b = " + (Binary.indexMap(op.b.shape, op.output.shape) != null ? 1 : 0)
                    + ", .shape = " + ints(padded(op.output.shape, 1)) + ", .sa = "
                    + ints(steps(op.a.shape, op.output.shape)) + ", .sb = " + ints(steps(op.b.shape, op.output.shape))
                    + ", .za = " + op.za + ", .zb = " + op.zb + ", .zy = " + op.zy + ", .act_min = " + op.actMin
                    + ", .act_max = " + op.actMax + ", .mult = " + (m == 1 ? op.mult : rs.multOut()) + ", .shift = "
                    + (m == 1 ? op.shift : rs.shiftOut()) + ", .mult_a = " + (m == 1 ? 0 : rs.multA())
                    + ", .shift_a = " + (m == 1 ? 0 : rs.shiftA()) + ", .mult_b = " + (m == 1 ? 0 : rs.multB())
                    + ", .shift_b = " + (m == 1 ? 0 : rs.shiftB()) + ", .ra = " + e.lit(r[0]) + ", .rb = "
                    + e.lit(r[1]) + "};\n");
            return n;
        });
    }

    /** The output shape right-aligned in RANK axes. */
    static int[] padded(int[] shape, int fill) {
        int[] out = new int[RANK];
        java.util.Arrays.fill(out, fill);
        System.arraycopy(shape, 0, out, RANK - shape.length, shape.length);
        return out;
    }

    /** The operand's stride along each of the output's RANK axes, 0 where it is broadcast. */
    static int[] steps(int[] shape, int[] outShape) {
        int[] own = StridedIndex.strides(shape), out = new int[RANK];
        for (int d = 0; d < outShape.length; d++) {
            int sd = d - (outShape.length - shape.length);
            out[RANK - outShape.length + d] = sd < 0 || shape[sd] == 1 ? 0 : own[sd];
        }
        return out;
    }

    static String ints(int[] v) {
        StringBuilder s = new StringBuilder("{");
        for (int i = 0; i < v.length; i++) {
            s.append(i == 0 ? "" : ", ").append(v[i]);
        }
        return s.append('}').toString();
    }
}
