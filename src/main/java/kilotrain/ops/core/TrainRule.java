package kilotrain.ops.core;

import kilotrain.ir.Op;

/**
 * How one IR operator enters the training step: its forward instruction(s), and its gradient rule (the entry of the
 * gradient table for this operator). Registered per operator in {@code kilotrain.ops.Operators}.
 */
public interface TrainRule<T extends Op> {
    /** Emits the operator's forward instruction(s), recording what its backward needs (masks, saved inputs). */
    void forward(T op, Lowering l);

    /**
     * Emits the backward of the operator, called only when the gradient of its output exists ({@code l.grad(out)}):
     * the gradients of the inputs that need one ({@link DevicePipeline#needsGrad}), accumulated when an earlier rule already
     * wrote them ({@link DevicePipeline#gradWritten}), and the gradients of its trained parameters.
     */
    void backward(T op, Lowering l);
}
