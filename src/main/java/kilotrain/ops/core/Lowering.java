package kilotrain.ops.core;

import kilotrain.ir.Conv2D;
import kilotrain.ir.DType;
import kilotrain.ir.Op;
import kilotrain.ir.Tensor;

/**
 * What an operator's {@link TrainRule} may ask of the training compiler that lowers a graph into the step: the
 * buffers of tensors, their gradients and masks, which tensors need a gradient, the trained convs' parameters, and
 * where to put instructions. Implemented by the compiler.
 */
public interface Lowering {
    /** The activation buffer of a tensor an earlier operator (or the input) produced. */
    Buf act(Tensor t);

    /**
     * Makes {@code view} another name of {@code of} (a reshape that moves no byte): from now on both have the same
     * activation buffer, the same gradient buffer, and need a gradient together. Call it before asking for either.
     */
    void alias(Tensor view, Tensor of);

    /** A new activation buffer for the operator's output tensor {@code t}. */
    Buf newAct(Tensor t);

    /** Whether the gradient of {@code t} is needed (a trained parameter lies before it). */
    boolean needsGrad(Tensor t);

    /** The clamp mask of an operator's output (one bit per element), made on first use. */
    Buf mask(Op op);

    /** The float32 gradient buffer of a tensor, made on first use. */
    Buf grad(Tensor t);

    /** Whether an earlier backward rule already wrote the gradient of {@code t} (so this one accumulates into it). */
    boolean gradWritten(Tensor t);

    /** Records that the gradient of {@code t} is now written. */
    void gradWrote(Tensor t);

    /** A new buffer of the step. */
    Buf buf(String name, Buf.Kind kind, DType dtype, int elements);

    /** Appends an instruction to the step. */
    void emit(Instr in);

    /** How conv c trains, or null when it is frozen. */
    TrainedConv trained(Conv2D c);

    /** The [weight, bias] parameters of a trained conv (either may be null), made on first use. */
    Param[] convParams(TrainedConv tc);

    /** Remembers a buffer for a later rule (e.g. a conv's saved input for its weight gradient). */
    void keep(Object key, Buf b);

    /** The buffer remembered under {@code key}, or null. */
    Buf kept(Object key);
}
