package kilotrain.ops.concat;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/** The gradient of part {@code part} of a CONCATENATION: its blocks of {@code g_y} ({@link Concatenation#grad}). */
public record ConcatBwd(Concatenation concat, int part, Buf gY, Buf gX, boolean acc) implements Instr {
    public List<Buf> reads() {
        return acc ? Instr.bufs(gY, gX) : Instr.bufs(gY);
    }

    public List<Buf> writes() {
        return Instr.bufs(gX);
    }

    public String op() {
        return acc ? "concat_grad_acc" : "concat_grad";
    }

    public JavaStep bind(JavaBinder b) {
        int outer = concat.outer(), row = concat.output.elements() / Math.max(1, outer);
        int block = concat.block(part), start = concat.blockStart(part), gy = gY.id, gx = gX.id;
        boolean a = acc;
        return (f, training) -> Concatenation.grad(f.floats[gy], f.floats[gx], outer, block, row, start, a);
    }

    public String emitC(CEmitter e, boolean training) {
        int outer = concat.outer(), row = concat.output.elements() / Math.max(1, outer);
        return "kt_concat_grad(" + e.buf(gY) + ", " + e.buf(gX) + ", " + outer + ", " + concat.block(part) + ", "
                + row + ", " + concat.blockStart(part) + ", " + (acc ? 1 : 0) + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
