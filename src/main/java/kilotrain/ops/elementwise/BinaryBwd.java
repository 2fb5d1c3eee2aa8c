package kilotrain.ops.elementwise;

import java.util.List;

import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/**
 * MUL, SUB or broadcasting ADD backward ({@link BinaryKernel#backward}): the gradient of each operand that needs
 * one, a first; MUL reads the other operand's saved bytes ({@code a}, {@code b}: null for a constant or when not
 * needed).
 */
public record BinaryBwd(Binary bin, Buf gOut, Buf mask, Buf a, Buf b, Buf gA, boolean accA, Buf gB, boolean accB)
        implements Instr {
    public List<Buf> reads() {
        List<Buf> r = Instr.bufs(gOut, mask, a, b);
        if (accA) {
            r.add(gA);
        }
        if (accB && gB != gA) {
            r.add(gB);
        }
        return r;
    }

    public List<Buf> writes() {
        return gA == gB ? Instr.bufs(gA) : Instr.bufs(gA, gB);
    }

    public String op() {
        return "binary_bwd " + bin.kind();
    }

    public JavaStep bind(JavaBinder bd) {
        BinaryKernel k = new BinaryKernel(bin);
        boolean mul = bin.kind == Binary.Kind.MUL;
        byte[] ca = bin.a.int8Data, cb = bin.b.int8Data;
        int go = gOut.id, m = mask.id, ia = a == null ? -1 : a.id, ib = b == null ? -1 : b.id;
        int ga = gA == null ? -1 : gA.id, gb = gB == null ? -1 : gB.id;
        return (f, training) -> {
            if (ga >= 0) {
                k.backward(false, f.floats[go], f.bytes[m], f.off[m], !mul ? null : ib < 0 ? cb : f.bytes[ib],
                        ib < 0 ? 0 : f.off[ib], f.floats[ga], accA, f.tmp);
            }
            if (gb >= 0) {
                k.backward(true, f.floats[go], f.bytes[m], f.off[m], !mul ? null : ia < 0 ? ca : f.bytes[ia],
                        ia < 0 ? 0 : f.off[ia], f.floats[gb], accB, f.tmp);
            }
        };
    }

    public String emitC(CEmitter e, boolean training) {
        String t = BinaryTable.of(bin, e);
        boolean mul = bin.kind == Binary.Kind.MUL;
        String sa = !mul ? "NULL" : a != null ? e.buf(a) : bin.a.isConstant() ? t + "_a" : "NULL";
        String sb = !mul ? "NULL" : b != null ? e.buf(b) : bin.b.isConstant() ? t + "_b" : "NULL";
        int scratch = Math.max(bin.a.elements(), bin.b.elements());
        return "kt_binary_bwd(&" + t + ", " + e.buf(gOut) + ", " + e.buf(mask) + ", " + sa + ", " + sb + ", "
                + e.buf(gA) + ", " + (accA ? 1 : 0) + ", " + e.buf(gB) + ", " + (accB ? 1 : 0) + ", "
                + e.scratch("float", "kt_binary_sum", scratch) + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return bin.a.isConstant() || bin.b.isConstant() ? List.of(bin) : List.of();
    }
}
