package kilotrain.ops.add;

import java.util.List;
import kilotrain.ir.Add;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

public record AddFwd(Add add, Buf a, Buf b, Buf out, Buf mask) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(a, b);
    }

    public List<Buf> writes() {
        return Instr.bufs(out, mask);
    }

    public String op() {
        return "add_fwd";
    }

    public JavaStep bind(JavaBinder bd) {
        AddKernel k = AddKernel.of(add);
        int ia = a.id, ib = b.id, o = out.id, m = mask == null ? -1 : mask.id;
        return (f, training) -> {
            k.forward(f.bytes[ia], f.off[ia], f.bytes[ib], f.off[ib], f.bytes[o], f.off[o]);
            if (training && m >= 0) {
                k.mask(f.bytes[ia], f.off[ia], f.bytes[ib], f.off[ib], f.bytes[m], f.off[m]);
            }
        };
    }

    public String emitC(CEmitter e, boolean training) {
        return "kt_add_fwd(" + AddTable.of(add, e) + ", " + e.buf(a) + ", " + e.buf(b) + ", " + e.buf(out) + ", "
                + (training ? e.buf(mask) : "NULL") + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
