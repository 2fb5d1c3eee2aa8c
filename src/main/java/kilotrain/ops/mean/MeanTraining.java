package kilotrain.ops.mean;

import kilotrain.ops.core.Lowering;
import kilotrain.ops.core.TrainRule;

/** MEAN in the training step: the forward (with its clamp mask where a gradient flows back), the spread gradient. */
public final class MeanTraining implements TrainRule<Mean> {
    @Override
    public void forward(Mean m, Lowering l) {
        boolean mask = l.needsGrad(m.output) && !m.sameQuant;
        l.emit(new MeanFwd(m, l.act(m.input), l.newAct(m.output), mask ? l.mask(m) : null));
    }

    @Override
    public void backward(Mean m, Lowering l) {
        if (l.needsGrad(m.input)) {
            boolean acc = l.gradWritten(m.input);
            l.emit(new MeanBwd(m, l.grad(m.output), m.sameQuant ? null : l.mask(m), l.grad(m.input), acc));
            l.gradWrote(m.input);
        }
    }
}
