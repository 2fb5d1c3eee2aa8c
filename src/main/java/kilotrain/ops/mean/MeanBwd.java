package kilotrain.ops.mean;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/**
 * The gradient of MEAN: {@code g_x[n, p, c] = mask[n, c] ? g_y[n, c] * k : +0} for every pixel p, {@code k} its
 * {@link Mean#gradientFactor()}; added onto {@code g_x} ({@code g_x + that}) when accumulating. The same-quantization
 * form never clamps (no mask).
 */
public record MeanBwd(Mean mean, Buf gY, Buf mask, Buf gX, boolean acc) implements Instr {
    public List<Buf> reads() {
        return acc ? Instr.bufs(gY, mask, gX) : Instr.bufs(gY, mask);
    }

    public List<Buf> writes() {
        return Instr.bufs(gX);
    }

    public String op() {
        return acc ? "mean_grad_acc" : "mean_grad";
    }

    public JavaStep bind(JavaBinder b) {
        int gy = gY.id, gx = gX.id, k = mask == null ? -1 : mask.id;
        Mean m = mean;
        float factor = m.gradientFactor();
        boolean a = acc;
        return (f, training) -> MeanBackward.grad(m, factor, f.floats[gy], k < 0 ? null : f.bytes[k],
                k < 0 ? 0 : f.off[k], f.floats[gx], a);
    }

    public String emitC(CEmitter e, boolean training) {
        return "kt_mean_grad(" + MeanTable.of(mean, e) + ", " + e.buf(gY) + ", " + e.buf(mask) + ", " + e.buf(gX)
                + ", " + (acc ? 1 : 0) + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
