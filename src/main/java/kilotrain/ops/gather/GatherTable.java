package kilotrain.ops.gather;

import kilotrain.ir.Op;
import kilotrain.ops.core.CEmitter;

/** The C table of a gather ({@code kt_gather}): its dimensions and its offsets (one int32 per output position). */
final class GatherTable {
    private GatherTable() {
    }

    /** The address of the op's table (declared on first use). */
    static String of(Op op, GatherSpec g, CEmitter e) {
        return e.table(op, "gather", n -> {
            String name = "kt_" + n;
            e.constInts(name + "_off", g.flatOffsets());
            StringBuilder dims = new StringBuilder();
            for (int d = 0; d < g.dims().length; d++) {
                dims.append(d == 0 ? "" : ", ").append(g.dims()[d]);
            }
            e.declare("static const kt_gather " + name + " = {.rank = " + g.dims().length + ", .dims = {" + dims
                    + "}, .off = " + name + "_off, .fill = " + g.fill() + ", .in = " + g.inElements() + "};\n");
            return "&" + name;
        });
    }
}
