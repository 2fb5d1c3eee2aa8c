package kilotrain.ops.loss;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/** Mean squared error of the predictions against the sample's float targets: the loss and dL/dpred. */
public record MseGrad(Buf pred, Buf loss, Buf gPred) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(pred);
    }

    public List<Buf> writes() {
        return Instr.bufs(loss, gPred);
    }

    public String op() {
        return "mse_grad";
    }

    public JavaStep bind(JavaBinder b) {
        int p = pred.id, g = gPred.id, ls = loss.id, n = pred.elements;
        return (f, training) -> {
            float v = MeanSquaredError.lossAndGrad(f.floats[p], 0, f.targets, n, f.floats[g], 0);
            f.floats[ls][0] = v;
            f.loss = v;
        };
    }

    public String emitC(CEmitter e, boolean training) {
        // kept in a local too: the loss buffer's arena bytes may be reused later in the step
        return "loss = kt_mse(" + e.buf(pred) + ", target, " + pred.elements + ", " + e.buf(gPred) + ");\n    "
                + e.buf(loss) + "[0] = loss;";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
