package kilotrain.ops.mean;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/** MEAN over H and W, recording its clamp mask (requantized form) when a gradient flows back. */
public record MeanFwd(Mean mean, Buf in, Buf out, Buf mask) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(in);
    }

    public List<Buf> writes() {
        return Instr.bufs(out, mask);
    }

    public String op() {
        return "mean";
    }

    public JavaStep bind(JavaBinder b) {
        Mean m = mean;
        int pixels = m.count, c = m.inner, batch = m.outer;
        b.sizer().acc(c);
        int i = in.id, o = out.id, k = mask == null ? -1 : mask.id;
        int zIn = m.input.quant.zeroPoint(), zOut = m.output.quant.zeroPoint();
        return (f, training) -> {
            byte[] x = f.bytes[i], y = f.bytes[o];
            for (int n = 0; n < batch; n++) {
                int xo = f.off[i] + n * pixels * c, yo = f.off[o] + n * c;
                if (m.sameQuant) {
                    Mean.meanSameQuant(x, xo, pixels, c, y, yo, f.scratch.acc);
                } else {
                    Mean.meanRequant(x, xo, pixels, c, zIn, m.multiplier, m.shift, zOut, y, yo, f.scratch.acc,
                            training && k >= 0 ? f.bytes[k] : null, training && k >= 0 ? f.off[k] : 0, n * c);
                }
            }
        };
    }

    public String emitC(CEmitter e, boolean training) {
        String sum = e.scratch("int32_t", "kt_mean_sum", mean.inner);
        return "kt_mean_fwd(" + MeanTable.of(mean, e) + ", " + e.buf(in) + ", " + e.buf(out) + ", "
                + (training ? e.buf(mask) : "NULL") + ", " + sum + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
