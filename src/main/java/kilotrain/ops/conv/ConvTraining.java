package kilotrain.ops.conv;

import kilotrain.ir.Conv2D;
import kilotrain.ir.DType;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Lowering;
import kilotrain.ops.core.Param;
import kilotrain.ops.core.TrainRule;
import kilotrain.ops.core.TrainedConv;

/**
 * Convolutions in the training step. Forward: the conv, with a mask where a gradient flows back, and for a partially
 * trained conv the save of its kept input channels. Backward: the accumulator gradient, then the input gradient
 * (where needed) and the weight and bias gradients of a trained conv.
 */
public final class ConvTraining implements TrainRule<Conv2D> {
    @Override
    public void forward(Conv2D c, Lowering l) {
        TrainedConv tc = l.trained(c);
        Buf in = l.act(c.input);
        Buf wParam = null, bParam = null;
        if (tc != null) {
            Param[] p = l.convParams(tc);
            wParam = p[0] == null ? null : p[0].value;
            bParam = p[1] == null ? null : p[1].value;
            if (tc.weights()) {
                if (tc.partial()) {
                    Buf saved = l.buf(c.input.name + ".saved" + tc.index, Buf.Kind.SAVED, DType.INT8,
                            c.input.height() * c.input.width() * tc.keptChannels.length);
                    l.emit(new SaveChannels(in, c.input.channels(), tc.keptChannels, saved));
                    l.keep(c, saved);
                } else {
                    l.keep(c, in);
                }
            }
        }
        boolean ng = l.needsGrad(c.output);
        l.emit(new ConvFwd(c, tc, in, l.newAct(c.output), ng ? l.mask(c) : null, wParam, bParam));
    }

    @Override
    public void backward(Conv2D c, Lowering l) {
        TrainedConv tc = l.trained(c);
        Buf gAcc = l.buf(c.output.name + ".gacc", Buf.Kind.GRAD, DType.FLOAT32, c.output.elements());
        l.emit(new ConvOutGrad(c, l.grad(c.output), l.mask(c), gAcc));
        if (l.needsGrad(c.input)) {
            boolean acc = l.gradWritten(c.input);
            Buf wParam = tc != null && l.convParams(tc)[0] != null ? l.convParams(tc)[0].value : null;
            l.emit(new ConvInputGrad(c, gAcc, wParam, l.grad(c.input), acc));
            l.gradWrote(c.input);
        }
        if (tc != null) {
            Param[] p = l.convParams(tc);
            if (p[0] != null) {
                l.emit(new ConvWeightGrad(c, tc, gAcc, l.kept(c), p[0].grad));
            }
            if (p[1] != null) {
                l.emit(new ConvBiasGrad(c, gAcc, p[1].grad));
            }
        }
    }
}
