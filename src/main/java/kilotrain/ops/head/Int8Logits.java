package kilotrain.ops.head;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/**
 * The int8 classifier's outputs as float logits: {@code (float) (q - zero) * scale}. The model's own classifier
 * ({@code kept}) takes them as they are (scale 1, zero 0), as the paper's training does; a new int8 head
 * dequantizes them.
 */
public record Int8Logits(Buf in, Buf logits, float scale, int zero, boolean kept) implements Instr {
    public Int8Logits(Buf in, Buf logits) {
        this(in, logits, 1.0f, 0, true);
    }

    public List<Buf> reads() {
        return Instr.bufs(in);
    }

    public List<Buf> writes() {
        return Instr.bufs(logits);
    }

    public String op() {
        return "int8_logits";
    }

    public JavaStep bind(JavaBinder b) {
        int i = in.id, o = logits.id, n = logits.elements;
        float s = scale;
        int z = zero;
        return (f, training) -> {
            byte[] q = f.bytes[i];
            int qOff = f.off[i];
            float[] l = f.floats[o];
            for (int k = 0; k < n; k++) {
                l[k] = (float) (q[qOff + k] - z) * s;
            }
        };
    }

    public String emitC(CEmitter e, boolean training) {
        return "kt_int8_logits(" + e.buf(in) + ", " + e.buf(logits) + ", " + logits.elements + ", " + e.lit(scale)
                + ", " + zero + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
