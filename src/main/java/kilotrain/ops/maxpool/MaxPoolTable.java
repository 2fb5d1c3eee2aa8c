package kilotrain.ops.maxpool;

import kilotrain.ops.core.CEmitter;

/** The C table of a MAX_POOL_2D ({@code kt_maxpool}). */
final class MaxPoolTable {
    private MaxPoolTable() {
    }

    static String of(MaxPool2D p, CEmitter e) {
        return e.table(p, "maxpool", n -> {
            String name = "kt_" + n;
            e.declare("static const kt_maxpool " + name + " = {.in_h = " + p.input.height() + ", .in_w = "
                    + p.input.width() + ", .c = " + p.input.channels() + ", .out_h = " + p.output.height()
                    + ", .out_w = " + p.output.width() + ", .fh = " + p.filterH + ", .fw = " + p.filterW + ", .sh = "
                    + p.strideH + ", .sw = " + p.strideW + ", .pad_top = " + p.padding.top() + ", .pad_left = "
                    + p.padding.left() + ", .act_min = " + p.actMin + ", .act_max = " + p.actMax + "};\n");
            return "&" + name;
        });
    }
}
