package kilotrain.ops.pool;

import kilotrain.ir.AvgPool2D;
import kilotrain.ops.core.Lowering;
import kilotrain.ops.core.TrainRule;

/** Average pooling in the training step: its gradient spreads evenly over each window. */
public final class PoolTraining implements TrainRule<AvgPool2D> {
    @Override
    public void forward(AvgPool2D p, Lowering l) {
        l.emit(new PoolFwd(p, l.act(p.input), l.newAct(p.output)));
    }

    @Override
    public void backward(AvgPool2D p, Lowering l) {
        if (l.needsGrad(p.input)) {
            l.emit(new PoolBwd(p, l.grad(p.output), l.grad(p.input), l.gradWritten(p.input)));
            l.gradWrote(p.input);
        }
    }
}
