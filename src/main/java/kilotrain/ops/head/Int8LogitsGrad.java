package kilotrain.ops.head;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/** Gradient of the int8 logits from that of their dequantized values: {@code gOut = gLogits * scale}. */
public record Int8LogitsGrad(Buf gLogits, float scale, Buf gOut) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(gLogits);
    }

    public List<Buf> writes() {
        return Instr.bufs(gOut);
    }

    public String op() {
        return "int8_logits_grad";
    }

    public JavaStep bind(JavaBinder b) {
        int i = gLogits.id, o = gOut.id, n = gOut.elements;
        float s = scale;
        return (f, training) -> {
            float[] src = f.floats[i], dst = f.floats[o];
            for (int k = 0; k < n; k++) {
                dst[k] = src[k] * s;
            }
        };
    }

    public String emitC(CEmitter e, boolean training) {
        return "kt_int8_logits_grad(" + e.buf(gLogits) + ", " + e.lit(scale) + ", " + e.buf(gOut) + ", "
                + gOut.elements + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
