package kilotrain.ops.requant;

/**
 * The paper's output stage: {@code clamp(rint(float32(acc) * eff[c]) + z, min, max)}, a float32 multiply and round
 * half to even exactly as the PyTorch reference does it.
 *
 * <p>The rounding uses the float32 "magic number" identity: for {@code |v| <= 2^22}, {@code v + 1.5 * 2^23} lands
 * where the float spacing is 1, so the addition itself rounds v to the nearest integer, ties to even (the constant
 * is even), and that integer is the low bits of the sum's bit pattern. Accumulators are first clamped to
 * {@code 2^22 / eff}: beyond it the true output saturates, and so does the clamped one. Unlike Math.rint (double)
 * and a float-to-int cast, this keeps the arithmetic in lanes the JIT vectorizes.
 */
public final class FloatRintRequantizer extends Requantizer {
    static final float MAGIC = 12582912f; // 1.5 * 2^23
    /** Bit pattern of MAGIC: the float bits of {@code MAGIC + n} are {@code MAGIC_BITS + n} for |n| < 2^22. */
    static final int MAGIC_BITS = 0x4B400000;

    private final float[] eff;
    /** Per channel, the accumulator magnitude beyond which the output saturates anyway: keeps |acc * eff| <= 2^22. */
    private final int[] limit;
    private final int lo, hi;

    public FloatRintRequantizer(float[] eff, int zeroPoint, int actMin, int actMax) {
        super(zeroPoint, actMin, actMax);
        this.eff = eff;
        this.limit = new int[eff.length];
        for (int c = 0; c < eff.length; c++) {
            double a = Math.floor(4194304.0 / Math.abs((double) eff[c]));
            limit[c] = a >= Integer.MAX_VALUE || Double.isNaN(a) ? Integer.MAX_VALUE : (int) a;
        }
        this.lo = actMin - zeroPoint;
        this.hi = actMax - zeroPoint;
    }

    /** The reference definition, for tests and one-off values. */
    public static int requant(int acc, float eff, int zeroPoint, int actMin, int actMax) {
        float v = (float) Math.rint((float) acc * eff) + (float) zeroPoint;
        return v < actMin ? actMin : v > actMax ? actMax : (int) v;
    }

    /**
     * Two passes: the first (float math and a raw bit move, no float-to-int conversion) is one the JIT vectorizes;
     * the second clamps and stores.
     */
    @Override
    public void apply(int[] acc, int accOff, int n, int c0, byte[] out, int outOff) {
        float[] e = eff;
        int[] lim = limit;
        for (int i = 0; i < n; i++) {
            int l = lim[c0 + i];
            int a = Math.min(Math.max(acc[accOff + i], -l), l);
            acc[accOff + i] = Float.floatToRawIntBits((float) a * e[c0 + i] + MAGIC);
        }
        int z = zeroPoint, lw = lo + MAGIC_BITS, hg = hi + MAGIC_BITS, zb = z - MAGIC_BITS;
        for (int i = 0; i < n; i++) {
            out[outOff + i] = (byte) (Math.min(Math.max(acc[accOff + i], lw), hg) + zb);
        }
    }

    @Override
    public void applyChannel(int[] acc, int accOff, int n, int c, byte[] out, int outOff, int outStride) {
        float e = eff[c];
        int l = limit[c];
        for (int i = 0; i < n; i++) {
            int a = Math.min(Math.max(acc[accOff + i], -l), l);
            acc[accOff + i] = Float.floatToRawIntBits((float) a * e + MAGIC);
        }
        int lw = lo + MAGIC_BITS, hg = hi + MAGIC_BITS, zb = zeroPoint - MAGIC_BITS;
        for (int i = 0; i < n; i++) {
            out[outOff + i * outStride] = (byte) (Math.min(Math.max(acc[accOff + i], lw), hg) + zb);
        }
    }

    @Override
    public int one(int acc, int c) {
        int l = limit[c];
        int a = Math.min(Math.max(acc, -l), l);
        int q = Float.floatToRawIntBits((float) a * eff[c] + MAGIC) - MAGIC_BITS;
        return Math.min(Math.max(q, lo), hi) + zeroPoint;
    }

    @Override
    public Requantizer repeated(int times) {
        return new FloatRintRequantizer(tile(eff, times), zeroPoint, actMin, actMax);
    }

    @Override
    public boolean inside(int acc, int c) {
        int l = limit[c];
        int a = Math.min(Math.max(acc, -l), l);
        int q = Float.floatToRawIntBits((float) a * eff[c] + MAGIC) - MAGIC_BITS;
        return q >= lo && q <= hi;
    }
}
