package kilotrain.ops.mean;

import kilotrain.ops.core.CEmitter;

/** The C table of a MEAN ({@code kt_mean}). */
final class MeanTable {
    private MeanTable() {
    }

    static String of(Mean m, CEmitter e) {
        return e.table(m, "mean", n -> {
            String name = "kt_" + n;
            e.declare("static const kt_mean " + name + " = {.batch = " + m.outer + ", .pixels = "
                    + m.count + ", .c = " + m.inner + ", .same = "
                    + (m.sameQuant ? 1 : 0) + ", .mult = " + m.multiplier + ", .shift = " + m.shift + ", .z_in = "
                    + m.input.quant.zeroPoint() + ", .z_out = " + m.output.quant.zeroPoint() + ", .k = "
                    + e.lit(m.gradientFactor()) + "};\n");
            return "&" + name;
        });
    }
}
