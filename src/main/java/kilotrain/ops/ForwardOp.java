package kilotrain.ops;

import kilotrain.ir.Op;

/**
 * An IR operator that lives in its own folder {@code kilotrain.ops.<op>} with its import rule and kernel. Its
 * consumer behaviours are abstract methods, so an operator that lacks one does not compile: {@link #bind} (inference)
 * and, from {@link Op}, its figures for {@code inspect}.
 */
public abstract class ForwardOp extends Op {
    protected ForwardOp(String name) {
        super(name);
    }

    /** Resolves slots and scratch once; the returned step runs the operator on one sample. */
    public abstract Forward bind(Binder b);
}
