package kilotrain.ops.requant;

/**
 * The paper's output stage: {@code clamp(rint(float32(acc) * eff[c]) + z, min, max)}, float32 multiply and
 * round half to even exactly as the PyTorch reference does it.
 */
public final class FloatRintRequantizer extends Requantizer {
    private final float[] eff;

    public FloatRintRequantizer(float[] eff, int zeroPoint, int actMin, int actMax) {
        super(zeroPoint, actMin, actMax);
        this.eff = eff;
    }

    public static int requant(int acc, float eff, int zeroPoint, int actMin, int actMax) {
        // clamp in float like the reference: an int cast first would saturate and then wrap when adding z
        float v = (float) Math.rint((float) acc * eff) + (float) zeroPoint;
        return v < actMin ? actMin : v > actMax ? actMax : (int) v;
    }

    @Override
    public void apply(int[] acc, int accOff, int n, int c0, byte[] out, int outOff) {
        float[] e = eff;
        float z = zeroPoint, lo = actMin, hi = actMax;
        for (int i = 0; i < n; i++) {
            float v = (float) Math.rint((float) acc[accOff + i] * e[c0 + i]) + z;
            out[outOff + i] = (byte) (int) (v < lo ? lo : v > hi ? hi : v);
        }
    }

    @Override
    public int one(int acc, int c) {
        return requant(acc, eff[c], zeroPoint, actMin, actMax);
    }
}
