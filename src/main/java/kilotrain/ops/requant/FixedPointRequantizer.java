package kilotrain.ops.requant;

/** TFLite's output stage: {@code clamp(MultiplyByQuantizedMultiplier(acc, m[c], s[c]) + z, min, max)}. */
public final class FixedPointRequantizer extends Requantizer {
    private final int[] multipliers, shifts;

    public FixedPointRequantizer(int[] multipliers, int[] shifts, int zeroPoint, int actMin, int actMax) {
        super(zeroPoint, actMin, actMax);
        this.multipliers = multipliers;
        this.shifts = shifts;
    }

    @Override
    public void apply(int[] acc, int accOff, int n, int c0, byte[] out, int outOff) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = (byte) one(acc[accOff + i], c0 + i);
        }
    }

    @Override
    public void applyChannel(int[] acc, int accOff, int n, int c, byte[] out, int outOff, int outStride) {
        int m = multipliers[c], s = shifts[c];
        for (int i = 0; i < n; i++) {
            int q = FixedPointMath.multiplyByQuantizedMultiplier(acc[accOff + i], m, s) + zeroPoint;
            out[outOff + i * outStride] = (byte) (q < actMin ? actMin : Math.min(q, actMax));
        }
    }

    @Override
    public Requantizer repeated(int times) {
        return new FixedPointRequantizer(tile(multipliers, times), tile(shifts, times), zeroPoint, actMin, actMax);
    }

    @Override
    public int one(int acc, int c) {
        int q = FixedPointMath.multiplyByQuantizedMultiplier(acc, multipliers[c], shifts[c]) + zeroPoint;
        return q < actMin ? actMin : Math.min(q, actMax);
    }

    @Override
    public boolean inside(int acc, int c) {
        int q = FixedPointMath.multiplyByQuantizedMultiplier(acc, multipliers[c], shifts[c]) + zeroPoint;
        return q >= actMin && q <= actMax;
    }
}
