package kilotrain.ops.activation;

import java.util.List;

import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/** PRELU forward (its alpha a constant of the model, in flash); in place when its input dies here. */
public record PreluFwd(Prelu prelu, Buf in, Buf out) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(in);
    }

    public List<Buf> writes() {
        return Instr.bufs(out);
    }

    public String op() {
        return "prelu_fwd";
    }

    public JavaStep bind(JavaBinder b) {
        int i = in.id, o = out.id;
        return (f, training) -> prelu.forward(f.bytes[i], f.off[i], f.bytes[o], f.off[o]);
    }

    public String emitC(CEmitter e, boolean training) {
        return "kt_prelu_fwd(&" + PreluTable.of(prelu, e) + ", " + e.buf(in) + ", " + e.buf(out) + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of(prelu);
    }

    @Override
    public Buf[] inPlace() {
        return new Buf[] {in, out};
    }
}
