package kilotrain.ops.reshape;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Frame;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

public record CopyGrad(Buf gOut, Buf gIn, boolean accumulate) implements Instr {
    public List<Buf> reads() {
        return accumulate ? Instr.bufs(gOut, gIn) : Instr.bufs(gOut);
    }

    public List<Buf> writes() {
        return Instr.bufs(gIn);
    }

    public String op() {
        return "copy_grad";
    }

    public JavaStep bind(JavaBinder b) {
        int go = gOut.id, gi = gIn.id, n = gIn.elements;
        if (accumulate) {
            return (f, training) -> Frame.addInto(f.floats[gi], f.floats[go], n);
        }
        return (f, training) -> System.arraycopy(f.floats[go], 0, f.floats[gi], 0, n);
    }

    public String emitC(CEmitter e, boolean training) {
        return (accumulate ? "kt_add_into(" + e.buf(gIn) + ", " + e.buf(gOut)
                : "kt_copy_f32(" + e.buf(gOut) + ", " + e.buf(gIn)) + ", " + gIn.elements + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }

    @Override
    public Buf[] inPlace() {
        return accumulate ? null : new Buf[] {gOut, gIn};
    }
}
