package kilotrain.ops.core;

import kilotrain.ir.DType;

/**
 * A buffer of the training program. Transient buffers (activations, saved inputs, masks, gradients) live only during
 * one training step and are what the memory planner packs into the arena; persistent ones (trainable parameters)
 * keep their value across steps; their shadows, accumulated gradients and optimizer state live outside the program
 * (the training state, the generated C's own arrays).
 */
public final class Buf {
    public enum Kind {
        INPUT(false), ACT(false), SAVED(false), MASK(false), GRAD(false), LOGITS(false), LOSS(false),
        PARAM(true);

        public final boolean persistent;

        Kind(boolean persistent) {
            this.persistent = persistent;
        }
    }

    public final int id;
    public final String name;
    public final Kind kind;
    public final DType dtype;
    /** Number of elements; for a MASK, the number of bits it holds. */
    public final int elements;

    public Buf(int id, String name, Kind kind, DType dtype, int elements) {
        this.id = id;
        this.name = name;
        this.kind = kind;
        this.dtype = dtype;
        this.elements = elements;
    }

    /** Storage size: masks hold one bit per element, packed. */
    public int bytes() {
        return kind == Kind.MASK ? (elements + 7) / 8 : elements * dtype.bytes;
    }

    @Override
    public String toString() {
        return name + "<" + (kind == Kind.MASK ? "bit" : dtype.name().toLowerCase()) + "[" + elements + "]>";
    }
}
