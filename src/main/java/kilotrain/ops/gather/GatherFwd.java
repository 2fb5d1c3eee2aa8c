package kilotrain.ops.gather;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/** The forward of a byte-moving operator: {@link GatherKernel#forward}, C {@code kt_gather_i8}. */
public record GatherFwd(Op source, GatherSpec spec, Buf in, Buf out) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(in);
    }

    public List<Buf> writes() {
        return Instr.bufs(out);
    }

    public String op() {
        return source.kind().toLowerCase() + "_fwd";
    }

    public JavaStep bind(JavaBinder b) {
        int i = in.id, o = out.id;
        GatherSpec g = spec;
        return (f, training) -> GatherKernel.forward(g, f.bytes[i], f.off[i], f.bytes[o], f.off[o]);
    }

    public String emitC(CEmitter e, boolean training) {
        return "kt_gather_i8(" + GatherTable.of(source, spec, e) + ", " + e.buf(in) + ", " + e.buf(out) + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
