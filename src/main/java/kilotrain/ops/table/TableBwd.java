package kilotrain.ops.table;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.TableGradient;
import kilotrain.ops.TableOp;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/**
 * The gradient of a table operator: {@code g_x[i] = g_y[i] * D[x[i] & 0xff]}, or {@code g_x[i] = g_x[i] + g_y[i] *
 * D[x[i] & 0xff]} when another consumer already wrote {@code g_x} ({@code acc}); {@code D} is the op's
 * {@link TableGradient#gradientTable()}, {@code x} its saved int8 input.
 */
public record TableBwd(TableOp table, TableGradient rule, Buf x, Buf gY, Buf gX, boolean acc) implements Instr {
    public List<Buf> reads() {
        return acc ? Instr.bufs(x, gY, gX) : Instr.bufs(x, gY);
    }

    public List<Buf> writes() {
        return Instr.bufs(gX);
    }

    public String op() {
        return acc ? "table_grad_acc" : "table_grad";
    }

    public JavaStep bind(JavaBinder b) {
        float[] d = rule.gradientTable();
        int xi = x.id, gy = gY.id, gx = gX.id, n = x.elements;
        boolean a = acc;
        return (f, training) -> TableKernel.backward(d, f.bytes[xi], f.off[xi], f.floats[gy], f.floats[gx], n, a);
    }

    public String emitC(CEmitter e, boolean training) {
        String d = e.table(this, "table_grad", name -> e.constFloats("kt_" + name, rule.gradientTable()));
        return "kt_table_grad(" + d + ", " + e.buf(x) + ", " + e.buf(gY) + ", " + e.buf(gX) + ", " + x.elements
                + ", " + (acc ? 1 : 0) + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }

    @Override
    public Buf[] inPlace() {
        return acc ? null : new Buf[] {gY, gX};
    }
}
