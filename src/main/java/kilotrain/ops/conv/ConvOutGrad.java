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

/** g_acc = (g_out * mask) * eff_c: the gradient at the conv's integer accumulator. */
public record ConvOutGrad(Conv2D conv, Buf gOut, Buf mask, Buf gAcc) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(gOut, mask);
    }

    public List<Buf> writes() {
        return Instr.bufs(gAcc);
    }

    public String op() {
        return "conv_out_grad";
    }

    public JavaStep bind(JavaBinder b) {
        float[] eff = ConvBackward.effScales(conv.requant, conv.output.channels());
        int go = gOut.id, m = mask.id, ga = gAcc.id;
        return (f, training) -> ConvBackward.outputGrad(conv, f.floats[go], 0, f.bytes[m], f.off[m], eff,
                f.floats[ga], 0);
    }

    public String emitC(CEmitter e, boolean training) {
        return "kt_conv_out_grad(" + e.conv(conv) + ", " + e.buf(gOut) + ", " + e.buf(mask) + ", " + e.buf(gAcc)
                + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }

    @Override
    public Buf[] inPlace() {
        return new Buf[] {gOut, gAcc};
    }
}
