package kilotrain.ops.loss;

import java.util.List;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;

/**
 * Softmax cross-entropy on the logits against the sample's label: the loss and dL/dlogits. {@code ownHead}: the
 * logits are the model's own fully connected classifier's (classify-keep-head), not a new head's.
 */
public record LossGrad(Buf logits, Buf loss, Buf gLogits, boolean ownHead) implements Instr {
    public LossGrad(Buf logits, Buf loss, Buf gLogits) {
        this(logits, loss, gLogits, false);
    }

    public List<Buf> reads() {
        return Instr.bufs(logits);
    }

    public List<Buf> writes() {
        return Instr.bufs(loss, gLogits);
    }

    public String op() {
        return "softmax_ce_grad";
    }

    public JavaStep bind(JavaBinder b) {
        int l = logits.id, g = gLogits.id, ls = loss.id, classes = b.numClasses();
        return (f, training) -> {
            float v = SoftmaxCrossEntropy.lossAndGrad(f.floats[l], 0, classes, f.label, f.floats[g], 0);
            f.floats[ls][0] = v;
            f.loss = v;
        };
    }

    public String emitC(CEmitter e, boolean training) {
        // kept in a local too: the loss buffer's arena bytes may be reused later in the step
        return "loss = kt_softmax_ce(" + e.buf(logits) + ", " + e.numClasses() + ", label, " + e.buf(gLogits)
                + ");\n    " + e.buf(loss) + "[0] = loss;";
    }

    public Param updatedParam() {
        return null;
    }

    public List<Op> constOps() {
        return List.of();
    }
}
