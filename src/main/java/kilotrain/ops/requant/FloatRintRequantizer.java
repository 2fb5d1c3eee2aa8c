package kilotrain.ops.requant;

/**
 * The paper's output stage: {@code clamp(rint(float32(acc) * eff[c]) + z, min, max)}, a float32 multiply and round
 * half to even exactly as the PyTorch reference does it.
 *
 * <p>The rounding uses the float32 "magic number" identity {@code rint(v) = (v + 1.5 * 2^23) - 1.5 * 2^23}, exact
 * for {@code |v| <= 2^22} (the sum lands where float spacing is 1, rounded to nearest even, and the constant is
 * even); beyond that the result keeps the sign and a magnitude far outside int8, so the clamp gives the same
 * answer. The clamp is applied before adding z so a saturated int cast cannot wrap. Unlike Math.rint (double)
 * this keeps the loop in float and int lanes that the JIT vectorizes.
 */
public final class FloatRintRequantizer extends Requantizer {
    static final float MAGIC = 12582912f; // 1.5 * 2^23

    private final float[] eff;
    private final int lo, hi;

    public FloatRintRequantizer(float[] eff, int zeroPoint, int actMin, int actMax) {
        super(zeroPoint, actMin, actMax);
        this.eff = eff;
        this.lo = actMin - zeroPoint;
        this.hi = actMax - zeroPoint;
    }

    /** The reference definition, for tests and one-off values. */
    public static int requant(int acc, float eff, int zeroPoint, int actMin, int actMax) {
        float v = (float) Math.rint((float) acc * eff) + (float) zeroPoint;
        return v < actMin ? actMin : v > actMax ? actMax : (int) v;
    }

    @Override
    public void apply(int[] acc, int accOff, int n, int c0, byte[] out, int outOff) {
        float[] e = eff;
        int z = zeroPoint, l = lo, h = hi;
        for (int i = 0; i < n; i++) {
            int q = (int) (((float) acc[accOff + i] * e[c0 + i] + MAGIC) - MAGIC);
            out[outOff + i] = (byte) (Math.min(Math.max(q, l), h) + z);
        }
    }

    @Override
    public void applyChannel(int[] acc, int accOff, int n, int c, byte[] out, int outOff, int outStride) {
        float e = eff[c];
        int z = zeroPoint, l = lo, h = hi;
        for (int i = 0; i < n; i++) {
            int q = (int) (((float) acc[accOff + i] * e + MAGIC) - MAGIC);
            out[outOff + i * outStride] = (byte) (Math.min(Math.max(q, l), h) + z);
        }
    }

    @Override
    public int one(int acc, int c) {
        int q = (int) (((float) acc * eff[c] + MAGIC) - MAGIC);
        return Math.min(Math.max(q, lo), hi) + zeroPoint;
    }

    @Override
    public boolean inside(int acc, int c) {
        int q = (int) (((float) acc * eff[c] + MAGIC) - MAGIC);
        return q >= lo && q <= hi;
    }
}
