package kilotrain.ops.add;

import kilotrain.ir.Add;
import kilotrain.ops.core.CEmitter;

/** The C table of a residual add ({@code kt_add}): both formulas' constants and the backward ratios. */
final class AddTable {
    private AddTable() {
    }

    /** The table's address (declared on first use). */
    static String of(Add a, CEmitter e) {
        return e.table(a, "add", n -> {
            float sa = a.a.quant.scale(), sb = a.b.quant.scale(), sy = a.output.quant.scale();
            Rescale r = Rescale.add(sa, a.a.quant.zeroPoint(), sb, a.b.quant.zeroPoint(), sy,
                    a.output.quant.zeroPoint());
            e.declare("static const kt_add kt_" + n + " = {.n = " + a.output.elements() + ", .za = "
                    + a.a.quant.zeroPoint() + ", .zb = " + a.b.quant.zeroPoint() + ", .zy = "
                    + a.output.quant.zeroPoint() + ", .act_min = " + a.actMin + ", .act_max = " + a.actMax
                    + ", .float_rint = " + (a.rule == Add.Rule.FLOAT_RINT ? 1 : 0) + ", .sa = " + e.lit(sa)
                    + ", .sb = " + e.lit(sb) + ", .sy = " + e.lit(sy) + ", .mult_a = " + r.multA()
                    + ", .shift_a = " + r.shiftA() + ", .mult_b = " + r.multB() + ", .shift_b = " + r.shiftB()
                    + ", .mult_out = " + r.multOut() + ", .shift_out = " + r.shiftOut() + ", .ra = "
                    + e.lit(AddBackward.ratioA(a)) + ", .rb = " + e.lit(AddBackward.ratioB(a)) + "};\n");
            return "&kt_" + n;
        });
    }
}
