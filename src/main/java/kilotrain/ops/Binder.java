package kilotrain.ops;

import kilotrain.ir.Tensor;

/** What an operator's inference binding may ask of the executor that binds it. */
public interface Binder {
    /** The slot of an activation tensor (fails for constants). */
    int slot(Tensor t);

    /** The graph's scratch sizing: reserve what the operator's kernel needs per call. */
    Scratch.Sizer scratch();
}
