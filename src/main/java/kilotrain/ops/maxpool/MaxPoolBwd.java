package kilotrain.ops.maxpool;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/** MAX_POOL_2D's gradient through each window's first maximum ({@link MaxPool2D#backward}). */
public record MaxPoolBwd(MaxPool2D pool, Buf x, Buf gY, Buf gX, boolean acc) implements Instr {
    public List<Buf> reads() {
        return acc ? Instr.bufs(x, gY, gX) : Instr.bufs(x, gY);
    }

    public List<Buf> writes() {
        return Instr.bufs(gX);
    }

    public String op() {
        return acc ? "maxpool_grad_acc" : "maxpool_grad";
    }

    public JavaStep bind(JavaBinder b) {
        MaxPool2D p = pool;
        int xi = x.id, gy = gY.id, gx = gX.id;
        boolean a = acc;
        return (f, training) -> p.backward(f.bytes[xi], f.off[xi], f.floats[gy], f.floats[gx], a);
    }

    public String emitC(CEmitter e, boolean training) {
        return "kt_maxpool_grad(" + MaxPoolTable.of(pool, e) + ", " + e.buf(x) + ", " + e.buf(gY) + ", " + e.buf(gX)
                + ", " + (acc ? 1 : 0) + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
