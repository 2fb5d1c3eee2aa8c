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
 * DEQUANTIZE's backward: the gradient of the int8 values from that of their float values,
 * {@code gOut = gLogits * scale} ({@code d y / d q = scale}, docs/backward.md).
 */
public record DequantizeBwd(Buf gLogits, float scale, Buf gOut) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(gLogits);
    }

    public List<Buf> writes() {
        return Instr.bufs(gOut);
    }

    public String op() {
        return "dequantize_grad";
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
        return "kt_dequantize_grad(" + e.buf(gLogits) + ", " + e.lit(scale) + ", " + e.buf(gOut) + ", "
                + gOut.elements + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
