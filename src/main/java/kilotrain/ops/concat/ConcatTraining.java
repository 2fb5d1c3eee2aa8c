package kilotrain.ops.concat;

import java.util.ArrayList;
import java.util.List;
import kilotrain.KtException;
import kilotrain.ir.Tensor;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Lowering;
import kilotrain.ops.core.TrainRule;

/**
 * CONCATENATION in the training step: the block copies forward; backward, each part that needs a gradient gets its
 * blocks of the output's gradient, in part order (a tensor concatenated twice accumulates its second part onto the
 * first).
 */
public final class ConcatTraining implements TrainRule<Concatenation> {
    @Override
    public void forward(Concatenation c, Lowering l) {
        List<Buf> parts = new ArrayList<>();
        for (Tensor t : c.parts) {
            Buf b = l.act(t);
            if (b == null) {
                throw new KtException("CONCATENATION '" + c.name + "': input '" + t.name + "' is a constant; kilotrain "
                        + "trains concatenations of activations only");
            }
            parts.add(b);
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
