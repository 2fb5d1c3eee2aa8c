package kilotrain.ops.maxpool;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/** MAX_POOL_2D forward (its backward recomputes the window maxima from the saved input: no mask). */
public record MaxPoolFwd(MaxPool2D pool, Buf in, Buf out) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(in);
    }

    public List<Buf> writes() {
        return Instr.bufs(out);
    }

    public String op() {
        return "maxpool";
    }

    public JavaStep bind(JavaBinder b) {
        MaxPool2D p = pool;
        int i = in.id, o = out.id;
        int inH = p.input.height(), inW = p.input.width(), c = p.input.channels(), outH = p.output.height(),
                outW = p.output.width(), top = p.padding.top(), left = p.padding.left();
        return (f, training) -> MaxPool2D.forward(f.bytes[i], f.off[i], inH, inW, c, outH, outW, p.filterH, p.filterW,
                p.strideH, p.strideW, top, left, p.actMin, p.actMax, f.bytes[o], f.off[o]);
    }

    public String emitC(CEmitter e, boolean training) {
        return "kt_maxpool_fwd(" + MaxPoolTable.of(pool, e) + ", " + e.buf(in) + ", " + e.buf(out) + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
