package kilotrain.ops.fc;

import kilotrain.ir.Conv2D;
import kilotrain.ir.FullyConnected;
import kilotrain.ops.conv.ConvTraining;
import kilotrain.ops.core.Lowering;
import kilotrain.ops.core.TrainRule;

/**
 * Fully connected layers in the training step. A frozen one that no gradient crosses runs its own kernel
 * ({@link FcFwd}); a trained one, or one a gradient flows back through, is lowered to the 1x1 convolution on one pixel
 * that computes the same bytes ({@link FullyConnected#asConv()}), its input and output tensors views of the layer's
 * (no copy), and trains exactly as a convolution: mask, QAS, partial input channels, the update rules, the C kernels.
 */
public final class FcTraining implements TrainRule<FullyConnected> {
    private final ConvTraining conv = new ConvTraining();

    @Override
    public void forward(FullyConnected fc, Lowering l) {
        Conv2D c = fc.asConv();
        if (l.trained(c) == null && !l.needsGrad(fc.output)) {
            l.emit(new FcFwd(fc, l.act(fc.input), l.newAct(fc.output)));
            return;
        }
        l.alias(c.input, fc.input);
        l.alias(c.output, fc.output);
        conv.forward(c, l);
    }

    @Override
    public void backward(FullyConnected fc, Lowering l) {
        conv.backward(fc.asConv(), l);
    }
}
