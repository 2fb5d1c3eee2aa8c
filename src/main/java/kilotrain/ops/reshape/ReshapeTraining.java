package kilotrain.ops.reshape;

import kilotrain.ir.Reshape;
import kilotrain.ops.core.Lowering;
import kilotrain.ops.core.TrainRule;

/** Reshapes in the training step: a copy forward, the gradient copied (or accumulated) back. */
public final class ReshapeTraining implements TrainRule<Reshape> {
    @Override
    public void forward(Reshape r, Lowering l) {
        l.emit(new Copy(l.act(r.input), l.newAct(r.output)));
    }

    @Override
    public void backward(Reshape r, Lowering l) {
        if (l.needsGrad(r.input)) {
            l.emit(new CopyGrad(l.grad(r.output), l.grad(r.input), l.gradWritten(r.input)));
            l.gradWrote(r.input);
        }
    }
}
