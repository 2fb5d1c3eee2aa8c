package kilotrain.ops.pool;

import kilotrain.ir.AvgPool2D;
import kilotrain.ops.core.CEmitter;

/** The C table of an average pooling op ({@code kt_pool}). */
final class PoolTable {
    private PoolTable() {
    }

    /** The table's address (declared on first use). */
    static String of(AvgPool2D p, CEmitter e) {
        return e.table(p, "pool", n -> {
            e.declare("static const kt_pool kt_" + n + " = {.in_h = " + p.input.height() + ", .in_w = "
                    + p.input.width() + ", .c = " + p.input.channels() + ", .out_h = " + p.output.height()
                    + ", .out_w = " + p.output.width() + ", .fh = " + p.filterH + ", .fw = " + p.filterW
                    + ", .stride_h = " + p.strideH + ", .stride_w = " + p.strideW + ", .pad_top = "
                    + p.padding.top() + ", .pad_left = " + p.padding.left() + ", .float_rint = "
                    + (p.rounding == AvgPool2D.Rounding.FLOAT_RINT ? 1 : 0) + ", .act_min = " + p.actMin
                    + ", .act_max = " + p.actMax + "};\n");
            return "&kt_" + n;
        });
    }
}
