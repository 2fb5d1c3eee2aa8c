package kilotrain.ops.table;

import kilotrain.ops.TableGradient;
import kilotrain.ops.TableOp;
import kilotrain.ops.core.Lowering;
import kilotrain.ops.core.TrainRule;

/**
 * The training rule of every table operator that states its gradient: the lookup forward, and where a gradient is
 * needed the lookup of {@code d q_y / d q_x} by the saved input byte. One registration line per operator:
 * {@code train(MyOp.class, new TableTraining<>())}.
 */
public final class TableTraining<T extends TableOp & TableGradient> implements TrainRule<T> {
    @Override
    public void forward(T op, Lowering l) {
        l.emit(new TableFwd(op, l.act(op.input), l.newAct(op.output)));
    }

    @Override
    public void backward(T op, Lowering l) {
        if (l.needsGrad(op.input)) {
            boolean acc = l.gradWritten(op.input);
            l.emit(new TableBwd(op, op, l.act(op.input), l.grad(op.output), l.grad(op.input), acc));
            l.gradWrote(op.input);
        }
    }
}
