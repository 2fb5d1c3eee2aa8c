package kilotrain.ops.fc;

import java.util.List;
import kilotrain.ir.FullyConnected;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/** A frozen fully connected layer that no gradient crosses. */
public record FcFwd(FullyConnected fc, Buf in, Buf out) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(in);
    }

    public List<Buf> writes() {
        return Instr.bufs(out);
    }

    public String op() {
        return "fc_fwd";
    }

    public JavaStep bind(JavaBinder b) {
        FullyConnectedKernel k = FullyConnectedKernel.of(fc);
        k.reserve(b.sizer());
        int i = in.id, o = out.id;
        return (f, training) -> k.forward(f.bytes[i], f.off[i], f.bytes[o], f.off[o], f.scratch);
    }

    public String emitC(CEmitter e, boolean training) {
        String name = FcTable.of(fc, e);
        String bias = fc.bias == null ? "NULL" : name + "_b";
        return "kt_fc_fwd(&" + name + ", " + e.buf(in) + ", " + name + "_w, " + bias + ", " + e.buf(out) + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of(fc);
    }
}
