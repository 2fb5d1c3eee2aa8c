package kilotrain.ops.gather;

import kilotrain.ops.OneInputOp;
import kilotrain.ops.core.Lowering;
import kilotrain.ops.core.TrainRule;

/**
 * The training rule of every operator that only moves bytes ({@link Gathering}): the gather forward, and where the
 * input needs a gradient the scatter-add of the output's gradient. One registration line per operator:
 * {@code train(Pad.class, new GatherTraining<>())}.
 */
public final class GatherTraining<T extends OneInputOp & Gathering> implements TrainRule<T> {
    @Override
    public void forward(T op, Lowering l) {
        l.emit(new GatherFwd(op, op.gather(), l.act(op.input), l.newAct(op.output)));
    }

    @Override
    public void backward(T op, Lowering l) {
        if (l.needsGrad(op.input)) {
            boolean acc = l.gradWritten(op.input);
            l.emit(new GatherBwd(op, op.gather(), l.grad(op.output), l.grad(op.input), acc));
            l.gradWrote(op.input);
        }
    }
}
