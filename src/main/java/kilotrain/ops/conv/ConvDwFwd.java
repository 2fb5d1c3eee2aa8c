package kilotrain.ops.conv;

import java.util.List;
import kilotrain.ir.Conv2D;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/**
 * A frozen ungrouped conv {@code conv} (typically a 1x1 expansion) and the frozen depthwise conv {@code dw} that
 * alone reads its output E, run one E channel at a time: the channel's plane ({@code conv}'s requantized output,
 * framed by dw's padding at E's zero point) goes into {@code plane}, then dw's output channel from it into
 * {@code out}. E itself never exists; the int8 results are those of running conv then dw (integer sums are exact).
 * Made by {@code BlockFusion}.
 */
public record ConvDwFwd(Conv2D conv, Conv2D dw, Buf in, Buf plane, Buf out) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(in);
    }

    public List<Buf> writes() {
        return Instr.bufs(out, plane);
    }

    public String op() {
        return "conv_dw_fwd";
    }

    public JavaStep bind(JavaBinder b) {
        ConvDwFused k = new ConvDwFused(conv, dw);
        int i = in.id, p = plane.id, o = out.id;
        int work = b.slot(this, () -> new ConvDwFused.Work(k));
        return (f, training) -> k.forward(f.bytes[i], f.off[i], f.bytes[p], f.off[p], f.bytes[o], f.off[o],
                (ConvDwFused.Work) f.local[work]);
    }

    public String emitC(CEmitter e, boolean training) {
        return "kt_conv_dw_fwd(" + e.conv(conv) + ", " + e.convWeights(conv) + ", " + e.convBias(conv) + ", "
                + e.conv(dw) + ", " + e.convWeights(dw) + ", " + e.convBias(dw) + ", " + e.buf(in) + ", "
                + e.buf(plane) + ", " + e.buf(out) + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of(conv, dw);
    }

    @Override
    public Buf fusedMiddle() {
        return plane;
    }

    /** The two convs on their own again, writing and reading {@code middle}. */
    @Override
    public List<Instr> unfuse(Buf middle) {
        return List.of(new ConvFwd(conv, null, in, middle, null, null, null),
                new ConvFwd(dw, null, middle, out, null, null, null));
    }
}
