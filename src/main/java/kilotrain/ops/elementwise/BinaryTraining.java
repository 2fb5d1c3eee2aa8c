package kilotrain.ops.elementwise;

import kilotrain.ir.Tensor;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Lowering;
import kilotrain.ops.core.TrainRule;

/**
 * MUL, SUB and broadcasting ADD in the training step: the forward with its clamp mask, the backward to each
 * computed operand that needs a gradient (a model constant gets none), reduced over its broadcast axes.
 */
public final class BinaryTraining implements TrainRule<Binary> {
    @Override
    public void forward(Binary op, Lowering l) {
        l.emit(new BinaryFwd(op, act(op.a, l), act(op.b, l), l.newAct(op.output),
                l.needsGrad(op.output) ? l.mask(op) : null));
    }

    private static Buf act(Tensor t, Lowering l) {
        return t.isConstant() ? null : l.act(t);
    }

    @Override
    public void backward(Binary op, Lowering l) {
        boolean needA = !op.a.isConstant() && l.needsGrad(op.a), needB = !op.b.isConstant() && l.needsGrad(op.b);
        if (!needA && !needB) {
            return;
        }
        boolean mul = op.kind == Binary.Kind.MUL;
        Buf gA = null, gB = null;
        boolean accA = false, accB = false;
        if (needA) {
            accA = l.gradWritten(op.a);
            gA = l.grad(op.a);
            l.gradWrote(op.a);
        }
        if (needB) {
            accB = l.gradWritten(op.b); // true when b is a (x * x): b's term adds to a's
            gB = l.grad(op.b);
            l.gradWrote(op.b);
        }
        Buf a = mul && needB ? act(op.a, l) : null, b = mul && needA ? act(op.b, l) : null;
        l.emit(new BinaryBwd(op, l.grad(op.output), l.mask(op), a, b, gA, accA, gB, accB));
    }
}
