package kilotrain.ops.core;

import kilotrain.ops.Scratch;

/**
 * The memory one thread runs a step in, as the instructions' Java steps ({@link JavaStep}) see it: every transient
 * buffer by id ({@code bytes[id]} at {@code off[id]} for int8 and mask buffers, {@code floats[id]} for float32 ones),
 * the kernels' scratch, and the per-thread objects the instructions asked for when they were bound
 * ({@link JavaBinder#slot}). The Java executor's workspace is one.
 */
public abstract class Frame {
    public final byte[][] bytes;
    public final float[][] floats;
    /** Offset of each int8 / mask buffer in {@code bytes[id]}. */
    public final int[] off;
    public final Scratch scratch;
    /** The head's dequantized feature. */
    public final float[] feature;
    /** Two gradients' worth of float scratch, for gradients accumulated into their destination. */
    public final float[] tmp, tmp2;
    /** Per-thread objects of the bound steps, made once when the frame is made. */
    public final Object[] local;
    /** Learning rate of in-step updates (NaN: the program must not update in place). */
    public float lr = Float.NaN;
    /** The sample's label, and the loss the step computed (NaN until then). */
    public int label;
    /** The sample's float targets (a regression step's loss reads them; null for a classification step). */
    public float[] targets;
    /** The sample's int8 targets (an int8 regression), or the input itself (an autoencoder); null otherwise. */
    public byte[] targetBytes;
    public float loss = Float.NaN;

    protected Frame(int bufs, Scratch scratch, int featureFloats, int gradFloats, Object[] local) {
        this.bytes = new byte[bufs][];
        this.floats = new float[bufs][];
        this.off = new int[bufs];
        this.scratch = scratch;
        this.feature = new float[featureFloats];
        this.tmp = new float[gradFloats];
        this.tmp2 = new float[gradFloats];
        this.local = local;
    }

    /** The learning rate of an instruction that updates a parameter in place; refuses a step run without one. */
    public float learningRate(Instr in) {
        if (Float.isNaN(lr)) {
            throw new IllegalStateException("instruction " + in.op() + " updates in place: run the step with a "
                    + "learning rate");
        }
        return lr;
    }

    /** {@code dst[i] = dst[i] + src[i]}: the one accumulation order of a gradient with several consumers. */
    public static void addInto(float[] dst, float[] src, int n) {
        for (int i = 0; i < n; i++) {
            dst[i] = dst[i] + src[i];
        }
    }
}
