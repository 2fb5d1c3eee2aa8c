package kilotrain.ops.add;

import java.util.List;
import kilotrain.ir.Add;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Frame;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/** Add backward: each non-null input gradient is written (or added to, when accumulating) through the mask. */
public record AddBwd(Add add, Buf gOut, Buf mask, Buf gA, boolean accA, Buf gB, boolean accB) implements Instr {
    public List<Buf> reads() {
        List<Buf> r = Instr.bufs(gOut, mask);
        if (accA) {
            r.add(gA);
        }
        if (accB) {
            r.add(gB);
        }
        return r;
    }

    public List<Buf> writes() {
        return Instr.bufs(gA, gB);
    }

    public String op() {
        return "add_bwd";
    }

    public JavaStep bind(JavaBinder b) {
        int go = gOut.id, m = mask.id, n = gOut.elements;
        int ia = gA == null ? -1 : gA.id, ib = gB == null ? -1 : gB.id;
        boolean intoA = ia >= 0 && !accA, intoB = ib >= 0 && !accB;
        return (f, training) -> {
            float[] ga = intoA ? f.floats[ia] : f.tmp;
            float[] gb = intoB ? f.floats[ib] : f.tmp2;
            AddBackward.inputGrads(add, f.floats[go], 0, f.bytes[m], f.off[m], ga, 0, gb, 0);
            if (ia >= 0 && accA) {
                Frame.addInto(f.floats[ia], ga, n);
            }
            if (ib >= 0 && accB) {
                Frame.addInto(f.floats[ib], gb, n);
            }
        };
    }

    public String emitC(CEmitter e, boolean training) {
        return "kt_add_bwd(" + AddTable.of(add, e) + ", " + e.buf(gOut) + ", " + e.buf(mask) + ", " + e.buf(gA) + ", "
                + (accA ? 1 : 0) + ", " + e.buf(gB) + ", " + (accB ? 1 : 0) + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }

    @Override
    public Buf[] inPlace() {
        if (gA != null && !accA) {
            return new Buf[] {gOut, gA};
        }
        if (gB != null && !accB) {
            return new Buf[] {gOut, gB};
        }
        return null;
    }
}
