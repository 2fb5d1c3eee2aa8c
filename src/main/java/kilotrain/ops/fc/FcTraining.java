package kilotrain.ops.fc;

import kilotrain.KtException;
import kilotrain.ir.FullyConnected;
import kilotrain.ops.core.Lowering;
import kilotrain.ops.core.TrainRule;

/** Fully connected layers in the training step: forward only, so none may lie between trained layers and the head. */
public final class FcTraining implements TrainRule<FullyConnected> {
    @Override
    public void forward(FullyConnected fc, Lowering l) {
        if (l.needsGrad(fc.output)) {
            throw new KtException("fully connected layer '" + fc.name
                    + "' lies between trained layers and the classifier; backward through it is not supported");
        }
        l.emit(new FcFwd(fc, l.act(fc.input), l.newAct(fc.output), null));
    }

    @Override
    public void backward(FullyConnected fc, Lowering l) {
        throw new KtException("no backward rule for " + fc + " inside the trained part of the model");
    }
}
