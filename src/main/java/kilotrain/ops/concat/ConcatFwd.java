package kilotrain.ops.concat;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/** CONCATENATION: each part's blocks copied to their place in the output rows. */
public record ConcatFwd(Concatenation concat, List<Buf> parts, Buf out) implements Instr {
    public List<Buf> reads() {
        return List.copyOf(new java.util.LinkedHashSet<>(parts));
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
        for (int i = 0; i < n; i++) {
            ids[i] = parts.get(i).id;
            block[i] = c.block(i);
            start[i] = c.blockStart(i);
        }
        int o = out.id;
        return (f, training) -> {
            for (int i = 0; i < n; i++) {
                Concatenation.put(f.bytes[ids[i]], f.off[ids[i]], f.bytes[o], f.off[o], outer, block[i], row,
                        start[i]);
            }
        };
    }

    public String emitC(CEmitter e, boolean training) {
        int outer = concat.outer(), row = concat.output.elements() / Math.max(1, outer);
        StringBuilder s = new StringBuilder("{");
        for (int i = 0; i < parts.size(); i++) {
            s.append(" kt_concat_put(").append(e.buf(parts.get(i))).append(", ").append(e.buf(out)).append(", ")
                    .append(outer).append(", ").append(concat.block(i)).append(", ").append(row).append(", ")
                    .append(concat.blockStart(i)).append(");");
        }
        return s.append(" }").toString();
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
