package kilotrain.ops.table;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.TableOp;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/** An elementwise int8 function as a lookup: {@code y[i] = T[x[i] & 0xff]}, {@code T} the op's 256 outputs. */
public record TableFwd(TableOp table, Buf in, Buf out) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(in);
    }

    public List<Buf> writes() {
        return Instr.bufs(out);
    }

    public String op() {
        return "table";
    }

    public JavaStep bind(JavaBinder b) {
        byte[] t = table.table();
        int i = in.id, o = out.id, n = in.elements;
        return (f, training) -> TableKernel.forward(t, f.bytes[i], f.off[i], f.bytes[o], f.off[o], n);
    }

    public String emitC(CEmitter e, boolean training) {
        String t = e.table(table, "table", name -> e.constBytes("kt_" + name, table.table()));
        return "kt_table_i8(" + t + ", " + e.buf(in) + ", " + e.buf(out) + ", " + in.elements + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }

    @Override
    public Buf[] inPlace() {
        return new Buf[] {in, out};
    }
}
