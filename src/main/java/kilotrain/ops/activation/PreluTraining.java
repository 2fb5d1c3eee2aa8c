package kilotrain.ops.activation;

import kilotrain.ops.core.Lowering;
import kilotrain.ops.core.TrainRule;

/** PRELU in the training step: its forward, and the backward through its two slopes from the saved input. */
public final class PreluTraining implements TrainRule<Prelu> {
    @Override
    public void forward(Prelu p, Lowering l) {
        l.emit(new PreluFwd(p, l.act(p.input), l.newAct(p.output)));
    }

    @Override
    public void backward(Prelu p, Lowering l) {
        if (l.needsGrad(p.input)) {
            boolean acc = l.gradWritten(p.input);
            l.emit(new PreluBwd(p, l.act(p.input), l.grad(p.output), l.grad(p.input), acc));
            l.gradWrote(p.input);
        }
    }
}
