package kilotrain.ops.reshape;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/** Reshape: the same bytes under a new shape; kept as a copy so every buffer has one writer. */
public record Copy(Buf in, Buf out) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(in);
    }

    public List<Buf> writes() {
        return Instr.bufs(out);
    }

    public String op() {
        return "copy";
    }

    public JavaStep bind(JavaBinder b) {
        int i = in.id, o = out.id, n = in.elements;
        return (f, training) -> System.arraycopy(f.bytes[i], f.off[i], f.bytes[o], f.off[o], n);
    }

    public String emitC(CEmitter e, boolean training) {
        return "kt_copy_i8(" + e.buf(in) + ", " + e.buf(out) + ", " + in.elements + ");";
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
