package kilotrain.ops.requant;

/**
 * A requantizer that also records the clamp mask of what it writes (one bit per output element, LSB first, as
 * {@code kilotrain.ops.conv.ConvMask} packs it), for the layers whose backward pass needs it. The bit of the output
 * at {@code out[k]} is {@code k - base}, with {@code base} the output tensor's offset, so the kernels produce masks
 * unchanged. It holds its target, so each thread uses its own instance.
 */
public final class MaskingRequantizer extends Requantizer {
    private final Requantizer inner;
    private byte[] mask;
    private int maskOff, base;

    public MaskingRequantizer(Requantizer inner) {
        super(inner.zeroPoint, inner.actMin, inner.actMax);
        this.inner = inner;
    }

    /** Directs the mask bits of the next outputs to {@code mask} (from byte maskOff); null records nothing. */
    public void target(byte[] mask, int maskOff, int outputBase) {
        this.mask = mask;
        this.maskOff = maskOff;
        this.base = outputBase;
    }

    private void record(int bit, boolean inside) {
        int i = maskOff + (bit >>> 3), m = 1 << (bit & 7);
        mask[i] = (byte) (inside ? mask[i] | m : mask[i] & ~m);
    }

    @Override
    public void apply(int[] acc, int accOff, int n, int c0, byte[] out, int outOff) {
        if (mask != null) {
            for (int i = 0; i < n; i++) {
                record(outOff + i - base, inner.inside(acc[accOff + i], c0 + i));
            }
        }
        inner.apply(acc, accOff, n, c0, out, outOff);
    }

    @Override
    public void applyChannel(int[] acc, int accOff, int n, int c, byte[] out, int outOff, int outStride) {
        // before the inner call: it overwrites the accumulators with its results
        if (mask != null) {
            for (int i = 0; i < n; i++) {
                record(outOff + i * outStride - base, inner.inside(acc[accOff + i], c));
            }
        }
        inner.applyChannel(acc, accOff, n, c, out, outOff, outStride);
    }

    @Override
    public int one(int acc, int c) {
        return inner.one(acc, c);
    }

    @Override
    public boolean inside(int acc, int c) {
        return inner.inside(acc, c);
    }
}
