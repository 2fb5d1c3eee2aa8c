package kilotrain.ops.pool;

import java.util.List;
import kilotrain.ir.AvgPool2D;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Frame;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

public record PoolBwd(AvgPool2D pool, Buf gOut, Buf gIn, boolean accumulate) implements Instr {
    public List<Buf> reads() {
        return accumulate ? Instr.bufs(gOut, gIn) : Instr.bufs(gOut);
    }

    public List<Buf> writes() {
        return Instr.bufs(gIn);
    }

    public String op() {
        return "avgpool_bwd";
    }

    public JavaStep bind(JavaBinder b) {
        int go = gOut.id, gi = gIn.id, n = gIn.elements;
        if (!accumulate) {
            return (f, training) -> AvgPoolBackward.inputGrad(pool, f.floats[go], 0, null, 0, f.floats[gi], 0);
        }
        return (f, training) -> {
            AvgPoolBackward.inputGrad(pool, f.floats[go], 0, null, 0, f.tmp, 0);
            Frame.addInto(f.floats[gi], f.tmp, n);
        };
    }

    public String emitC(CEmitter e, boolean training) {
        return "kt_pool_bwd(" + PoolTable.of(pool, e) + ", " + e.buf(gOut) + ", " + e.buf(gIn) + ", " + (accumulate ? 1 : 0)
                + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
