package kilotrain.ops.elementwise;

import java.util.List;

import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/** MUL, SUB or broadcasting ADD forward, with its clamp mask when a gradient flows back; a null operand buffer is a
 * constant of the model. */
public record BinaryFwd(Binary bin, Buf a, Buf b, Buf out, Buf mask) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(a, b);
    }

    public List<Buf> writes() {
        return Instr.bufs(out, mask);
    }

    public String op() {
        return "binary_fwd " + bin.kind();
    }

    public JavaStep bind(JavaBinder bd) {
        BinaryKernel k = new BinaryKernel(bin);
        byte[] ca = bin.a.int8Data, cb = bin.b.int8Data;
        int ia = a == null ? -1 : a.id, ib = b == null ? -1 : b.id, o = out.id, m = mask == null ? -1 : mask.id;
        return (f, training) -> k.forward(ia < 0 ? ca : f.bytes[ia], ia < 0 ? 0 : f.off[ia], ib < 0 ? cb : f.bytes[ib],
                ib < 0 ? 0 : f.off[ib], f.bytes[o], f.off[o], training && m >= 0 ? f.bytes[m] : null,
                m < 0 ? 0 : f.off[m]);
    }

    public String emitC(CEmitter e, boolean training) {
        String t = BinaryTable.of(bin, e);
        return "kt_binary_fwd(&" + t + ", " + (a == null ? t + "_a" : e.buf(a)) + ", " + (b == null ? t + "_b"
                : e.buf(b)) + ", " + e.buf(out) + ", " + (training ? e.buf(mask) : "NULL") + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return a == null || b == null ? List.of(bin) : List.of();
    }

    /** In place over an operand of the output's shape (output element i reads its element i only). */
    @Override
    public Buf[] inPlace() {
        if (bin.a != bin.b && a != null && java.util.Arrays.equals(bin.a.shape, bin.output.shape)) {
            return new Buf[] {a, out};
        }
        if (bin.a != bin.b && b != null && java.util.Arrays.equals(bin.b.shape, bin.output.shape)) {
            return new Buf[] {b, out};
        }
        return null;
    }
}
