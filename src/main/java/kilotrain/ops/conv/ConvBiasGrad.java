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

public record ConvBiasGrad(Conv2D conv, Buf gAcc, Buf gBias) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(gAcc);
    }

    public List<Buf> writes() {
        return Instr.bufs(gBias);
    }

    public String op() {
        return "conv_bias_grad";
    }

    public JavaStep bind(JavaBinder b) {
        int ga = gAcc.id, gb = gBias.id;
        return (f, training) -> ConvBackward.biasGrad(conv, f.floats[ga], 0, f.floats[gb], 0);
    }

    public String emitC(CEmitter e, boolean training) {
        return "kt_conv_bias_grad(" + e.conv(conv) + ", " + e.buf(gAcc) + ", " + e.buf(gBias) + ");";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }

    /** Runs as soon as its output gradient is complete. */
    @Override
    public boolean eager() {
        return true;
    }
}
