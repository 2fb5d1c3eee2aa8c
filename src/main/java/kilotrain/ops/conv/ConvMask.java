package kilotrain.ops.conv;

/**
 * The clamp mask the forward pass saves for the backward pass: one bit per output element, 1 where the unclamped
 * output {@code rint(z) + z_y} was inside {@code [actMin, actMax]} (gradient flows), 0 where the clamp cut it.
 * Element i of a tensor whose mask starts at byte {@code off} is bit {@code i & 7} (LSB first) of byte
 * {@code off + (i >>> 3)}; unused high bits of the last byte are 0. The same form serves every requantizing op
 * (conv, fully connected, add), and it is what the memory model charges: one bit per output element.
 */
public final class ConvMask {
    private ConvMask() {
    }

    /** Bytes of mask for n elements. */
    public static int bytes(int n) {
        return (n + 7) >>> 3;
    }

    /**
     * Whether an output passes gradient, from the float32 rint of its scaled accumulator. Compared as
     * {@code actMin - zy <= rintZ <= actMax - zy} so no int conversion of a possibly huge float happens;
     * NaN gives false.
     */
    public static boolean inside(float rintZ, int zy, int actMin, int actMax) {
        return rintZ >= (float) (actMin - zy) && rintZ <= (float) (actMax - zy);
    }

    /** Whether an already-integer unclamped output {@code rint(z) + zy} lies in the clamp range. */
    public static boolean inside(int unclamped, int actMin, int actMax) {
        return unclamped >= actMin && unclamped <= actMax;
    }

    /** Writes (sets or clears) bit i; for forward kernels that produce one output at a time. */
    public static void put(byte[] mask, int off, int i, boolean inside) {
        int b = off + (i >>> 3);
        int bit = 1 << (i & 7);
        mask[b] = (byte) (inside ? (mask[b] | bit) : (mask[b] & ~bit));
    }

    public static boolean get(byte[] mask, int off, int i) {
        return ((mask[off + (i >>> 3)] >>> (i & 7)) & 1) != 0;
    }

    /** Packs the mask of n unclamped integer outputs {@code rint(z) + zy}, whole bytes at a time. */
    public static void pack(int[] unclamped, int uOff, int n, int actMin, int actMax, byte[] mask, int off) {
        for (int b = 0; b < bytes(n); b++) {
            int bits = 0;
            int base = b << 3;
            int end = Math.min(8, n - base);
            for (int k = 0; k < end; k++) {
                int v = unclamped[uOff + base + k];
                if (v >= actMin && v <= actMax) {
                    bits |= 1 << k;
                }
            }
            mask[off + b] = (byte) bits;
        }
    }

    /** Packs the mask of n float32 values {@code rint(z)} (before the zero point is added). */
    public static void pack(float[] rintZ, int zOff, int n, int zy, int actMin, int actMax, byte[] mask, int off) {
        float lo = (float) (actMin - zy), hi = (float) (actMax - zy);
        for (int b = 0; b < bytes(n); b++) {
            int bits = 0;
            int base = b << 3;
            int end = Math.min(8, n - base);
            for (int k = 0; k < end; k++) {
                float v = rintZ[zOff + base + k];
                if (v >= lo && v <= hi) {
                    bits |= 1 << k;
                }
            }
            mask[off + b] = (byte) bits;
        }
    }

    /** Number of set bits among the first n, for reports and tests. */
    public static int count(byte[] mask, int off, int n) {
        int c = 0;
        for (int i = 0; i < n; i++) {
            if (get(mask, off, i)) {
                c++;
            }
        }
        return c;
    }
}
