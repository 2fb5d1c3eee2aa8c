package kilotrain.ops.concat;

import java.util.ArrayList;
import java.util.List;
import kilotrain.KtException;
import kilotrain.ir.Tensor;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Lowering;
import kilotrain.ops.core.TrainRule;

/**
 * CONCATENATION in the training step: the block copies forward (a constant part from flash); backward, each part that
 * needs a gradient gets its blocks of the output's gradient, in part order (a tensor concatenated twice accumulates
 * its second part onto the first; a constant needs none).
 */
public final class ConcatTraining implements TrainRule<Concatenation> {
    @Override
    public void forward(Concatenation c, Lowering l) {
        List<Buf> parts = new ArrayList<>();
        for (Tensor t : c.parts) {
            Buf b = t.isConstant() ? null : l.act(t);
            if (b == null && !t.isConstant()) {
                throw new KtException("CONCATENATION '" + c.name + "': input '" + t.name + "' has no activation");
            }
            parts.add(b); // null: a model constant, copied from flash
        }
        l.emit(new ConcatFwd(c, parts, l.newAct(c.output)));
    }

    @Override
    public void backward(Concatenation c, Lowering l) {
        for (int i = 0; i < c.parts.size(); i++) {
            Tensor t = c.parts.get(i);
            if (l.needsGrad(t)) {
                boolean acc = l.gradWritten(t);
                l.emit(new ConcatBwd(c, i, l.grad(c.output), l.grad(t), acc));
                l.gradWrote(t);
            }
        }
    }
}
