package kilotrain.ops.maxpool;

import kilotrain.ops.core.Lowering;
import kilotrain.ops.core.TrainRule;

/** MAX_POOL_2D in the training step: the forward, and the gradient routed through each window's maximum. */
public final class MaxPoolTraining implements TrainRule<MaxPool2D> {
    @Override
    public void forward(MaxPool2D p, Lowering l) {
        l.emit(new MaxPoolFwd(p, l.act(p.input), l.newAct(p.output)));
    }

    @Override
    public void backward(MaxPool2D p, Lowering l) {
        if (l.needsGrad(p.input)) {
            boolean acc = l.gradWritten(p.input);
            l.emit(new MaxPoolBwd(p, l.act(p.input), l.grad(p.output), l.grad(p.input), acc));
            l.gradWrote(p.input);
        }
    }
}
