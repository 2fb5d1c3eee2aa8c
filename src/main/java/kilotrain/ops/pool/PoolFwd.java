package kilotrain.ops.pool;

import java.util.List;
import kilotrain.ir.AvgPool2D;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

public record PoolFwd(AvgPool2D pool, Buf in, Buf out) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(in);
    }

    public List<Buf> writes() {
        return Instr.bufs(out);
    }

    public String op() {
        return "avgpool_fwd";
    }

    public JavaStep bind(JavaBinder b) {
        int i = in.id, o = out.id;
        return (f, training) -> AvgPoolKernel.forward(pool, f.bytes[i], f.off[i], f.bytes[o], f.off[o]);
    }

    public String emitC(CEmitter e, boolean training) {
        return "kt_pool_fwd(" + PoolTable.of(pool, e) + ", " + e.buf(in) + ", " + e.buf(out) + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
