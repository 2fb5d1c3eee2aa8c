package kilotrain.ops.dequantize;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/**
 * The int8 output as float32 values, {@link Dequantize#value}: a float-interface model's DEQUANTIZE (the predictions
 * a regression or an autoencoder's loss reads, what {@code kt_predict} returns), or the logits of a new int8
 * classifier head. The model's own classifier ({@code kept}) gives its logits as they are (scale 1, zero 0), as the
 * paper's training does.
 */
public record DequantizeFwd(Buf in, Buf logits, float scale, int zero, boolean kept) implements Instr {
    public DequantizeFwd(Buf in, Buf logits) {
        this(in, logits, 1.0f, 0, true);
    }

    public List<Buf> reads() {
        return Instr.bufs(in);
    }

    public List<Buf> writes() {
        return Instr.bufs(logits);
    }

    public String op() {
        return "dequantize";
    }

    public JavaStep bind(JavaBinder b) {
        int i = in.id, o = logits.id, n = logits.elements;
        float s = scale;
        int z = zero;
        return (f, training) -> Dequantize.run(f.bytes[i], f.off[i], n, s, z, f.floats[o], 0);
    }

    public String emitC(CEmitter e, boolean training) {
        return "kt_dequantize(" + e.buf(in) + ", " + e.buf(logits) + ", " + logits.elements + ", " + e.lit(scale)
                + ", " + zero + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
