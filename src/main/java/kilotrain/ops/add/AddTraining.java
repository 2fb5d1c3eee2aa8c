package kilotrain.ops.add;

import kilotrain.ir.Add;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Lowering;
import kilotrain.ops.core.TrainRule;

/** Residual adds in the training step: forward with a clamp mask, backward to each input that needs a gradient. */
public final class AddTraining implements TrainRule<Add> {
    @Override
    public void forward(Add a, Lowering l) {
        boolean ng = l.needsGrad(a.output);
        l.emit(new AddFwd(a, l.act(a.a), l.act(a.b), l.newAct(a.output), ng ? l.mask(a) : null));
    }

    @Override
    public void backward(Add a, Lowering l) {
        Buf gA = null, gB = null;
        boolean accA = false, accB = false;
        if (l.needsGrad(a.a)) {
            accA = l.gradWritten(a.a);
            gA = l.grad(a.a);
        }
        if (l.needsGrad(a.b)) {
            accB = l.gradWritten(a.b);
            gB = l.grad(a.b);
        }
        if (gA != null || gB != null) {
            l.emit(new AddBwd(a, l.grad(a.output), l.mask(a), gA, accA, gB, accB));
            if (gA != null) {
                l.gradWrote(a.a);
            }
            if (gB != null) {
                l.gradWrote(a.b);
            }
        }
    }
}
