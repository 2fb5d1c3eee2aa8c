package kilotrain.ops.concat;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/**
 * CONCATENATION: each part's blocks copied to their place in the output rows; a part whose buffer is null is the
 * model constant {@code concat.parts.get(i)}, read from flash (C: {@code <table>_<i>}).
 */
public record ConcatFwd(Concatenation concat, List<Buf> parts, Buf out) implements Instr {
    public List<Buf> reads() {
        java.util.LinkedHashSet<Buf> r = new java.util.LinkedHashSet<>();
        for (Buf b : parts) {
            if (b != null) {
                r.add(b);
            }
        }
        return List.copyOf(r);
    }

    public List<Buf> writes() {
        return Instr.bufs(out);
    }

    public String op() {
        return "concat";
    }

    public JavaStep bind(JavaBinder b) {
        Concatenation c = concat;
        int n = parts.size(), outer = c.outer(), row = c.output.elements() / Math.max(1, outer);
        int[] ids = new int[n], block = new int[n], start = new int[n];
        byte[][] constant = new byte[n][];
        for (int i = 0; i < n; i++) {
            ids[i] = parts.get(i) == null ? -1 : parts.get(i).id;
            constant[i] = parts.get(i) == null ? c.parts.get(i).int8Data : null;
            block[i] = c.block(i);
            start[i] = c.blockStart(i);
        }
        int o = out.id;
        return (f, training) -> {
            for (int i = 0; i < n; i++) {
                if (constant[i] != null) {
                    Concatenation.put(constant[i], 0, f.bytes[o], f.off[o], outer, block[i], row, start[i]);
                } else {
                    Concatenation.put(f.bytes[ids[i]], f.off[ids[i]], f.bytes[o], f.off[o], outer, block[i], row,
                            start[i]);
                }
            }
        };
    }

    public String emitC(CEmitter e, boolean training) {
        int outer = concat.outer(), row = concat.output.elements() / Math.max(1, outer);
        String consts = constOps().isEmpty() ? null : e.table(concat, "kt_concat", n -> {
            for (int i = 0; i < parts.size(); i++) {
                if (parts.get(i) == null) {
                    e.constBytes(n + "_" + i, concat.parts.get(i).int8Data);
                }
            }
            return n;
        });
        StringBuilder s = new StringBuilder("{");
        for (int i = 0; i < parts.size(); i++) {
            s.append(" kt_concat_put(").append(parts.get(i) == null ? consts + "_" + i : e.buf(parts.get(i)))
                    .append(", ").append(e.buf(out)).append(", ")
                    .append(outer).append(", ").append(concat.block(i)).append(", ").append(row).append(", ")
                    .append(concat.blockStart(i)).append(");");
        }
        return s.append(" }").toString();
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return parts.contains(null) ? List.of(concat) : List.of();
    }
}
