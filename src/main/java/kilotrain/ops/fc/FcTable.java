package kilotrain.ops.fc;

import kilotrain.ir.FullyConnected;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.requant.RequantTable;

/** The C table of a fully connected op: {@code kt_fcN} ({@code kt_fc}), its weights {@code _w} and bias {@code _b}. */
final class FcTable {
    private FcTable() {
    }

    /** The table's name (declared on first use). */
    static String of(FullyConnected fc, CEmitter e) {
        return e.table(fc, "fc", n -> {
            String name = "kt_" + n;
            int out = fc.outFeatures();
            RequantTable rq = RequantTable.declare(fc.requant, out, name, e);
            e.constBytes(name + "_w", fc.weight.int8Data);
            if (fc.bias != null) {
                e.constInts(name + "_b", fc.bias.int32Data);
            }
            e.declare("static const kt_fc " + name + " = {.in = " + fc.inFeatures() + ", .out = " + out
                    + ", .x_zero = " + fc.input.quant.zeroPoint() + ", .y_zero = " + fc.output.quant.zeroPoint()
                    + ", .act_min = " + fc.actMin + ", .act_max = " + fc.actMax + ", " + rq.fields() + "};\n");
            return name;
        });
    }
}
