package kilotrain.ops.activation;

import java.util.List;

import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/** PRELU backward ({@link Prelu#backward}) from the saved input bytes; alpha is a constant and gets no gradient. */
public record PreluBwd(Prelu prelu, Buf saved, Buf gOut, Buf gIn, boolean accumulate) implements Instr {
    public List<Buf> reads() {
        return accumulate ? Instr.bufs(saved, gOut, gIn) : Instr.bufs(saved, gOut);
    }

    public List<Buf> writes() {
        return Instr.bufs(gIn);
    }

    public String op() {
        return "prelu_bwd";
    }

    public JavaStep bind(JavaBinder b) {
        float[] r = prelu.slopes();
        int v = saved.id, go = gOut.id, gi = gIn.id;
        boolean acc = accumulate;
        return (f, training) -> prelu.backward(r, f.bytes[v], f.off[v], f.floats[go], f.floats[gi], acc);
    }

    public String emitC(CEmitter e, boolean training) {
        return "kt_prelu_bwd(&" + PreluTable.of(prelu, e) + ", " + e.buf(saved) + ", " + e.buf(gOut) + ", "
                + e.buf(gIn) + ", " + (accumulate ? 1 : 0) + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of(prelu);
    }

    @Override
    public Buf[] inPlace() {
        return accumulate ? null : new Buf[] {gOut, gIn};
    }
}
