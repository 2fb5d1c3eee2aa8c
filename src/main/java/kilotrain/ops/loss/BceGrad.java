package kilotrain.ops.loss;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/** Binary cross-entropy of the one logit (a sigmoid output) against the sample's 0/1 label: the loss and dL/dz. */
public record BceGrad(Buf logit, Buf loss, Buf gLogit) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(logit);
    }

    public List<Buf> writes() {
        return Instr.bufs(loss, gLogit);
    }

    public String op() {
        return "bce_grad";
    }

    public JavaStep bind(JavaBinder b) {
        int l = logit.id, g = gLogit.id, ls = loss.id;
        return (f, training) -> {
            float v = BinaryCrossEntropy.lossAndGrad(f.floats[l][0], f.label, f.floats[g], 0);
            f.floats[ls][0] = v;
            f.loss = v;
        };
    }

    public String emitC(CEmitter e, boolean training) {
        // kept in a local too: the loss buffer's arena bytes may be reused later in the step
        return "loss = kt_bce(" + e.buf(logit) + "[0], label, " + e.buf(gLogit) + ");\n    " + e.buf(loss)
                + "[0] = loss;";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
