package kilotrain.ops.gather;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/** The gradient of a byte-moving operator: {@link GatherKernel#backward}, C {@code kt_gather_grad}. */
public record GatherBwd(Op source, GatherSpec spec, Buf gY, Buf gX, boolean acc) implements Instr {
    public List<Buf> reads() {
        return acc ? Instr.bufs(gY, gX) : Instr.bufs(gY);
    }

    public List<Buf> writes() {
        return Instr.bufs(gX);
    }

    public String op() {
        return source.kind().toLowerCase() + (acc ? "_grad_acc" : "_grad");
    }

    public JavaStep bind(JavaBinder b) {
        int gy = gY.id, gx = gX.id;
        GatherSpec g = spec;
        boolean a = acc;
        return (f, training) -> GatherKernel.backward(g, f.floats[gy], f.floats[gx], a);
    }

    public String emitC(CEmitter e, boolean training) {
        return "kt_gather_grad(" + GatherTable.of(source, spec, e) + ", " + e.buf(gY) + ", " + e.buf(gX) + ", "
                + (acc ? 1 : 0) + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
