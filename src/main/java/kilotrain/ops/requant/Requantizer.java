package kilotrain.ops.requant;

import kilotrain.ir.Requant;

/**
 * Turns a vector of int32 accumulators (bias already added), one per output channel, into int8 outputs. One virtual
 * call per output pixel keeps the per-element loop free of rule dispatch.
 */
public abstract sealed class Requantizer permits FloatRintRequantizer, FixedPointRequantizer {
    protected final int zeroPoint, actMin, actMax;

    protected Requantizer(int zeroPoint, int actMin, int actMax) {
        this.zeroPoint = zeroPoint;
        this.actMin = actMin;
        this.actMax = actMax;
    }

    /**
     * Writes {@code out[outOff + i] = requant(acc[accOff + i], channel c0 + i)} for {@code i < n}; channels are taken
     * modulo the rule's channel count so a per-tensor rule works for any n.
     */
    public abstract void apply(int[] acc, int accOff, int n, int c0, byte[] out, int outOff);

    /** One value of channel c, for kernels that produce outputs one at a time. */
    public abstract int one(int acc, int c);

    public static Requantizer of(Requant rule, int channels, int zeroPoint, int actMin, int actMax) {
        if (rule instanceof Requant.FloatRint f) {
            return new FloatRintRequantizer(expand(f.scales(), channels), zeroPoint, actMin, actMax);
        }
        Requant.FixedPoint fp = (Requant.FixedPoint) rule;
        return new FixedPointRequantizer(expand(fp.multipliers(), channels), expand(fp.shifts(), channels), zeroPoint,
                actMin, actMax);
    }

    static float[] expand(float[] v, int n) {
        if (v.length == n) {
            return v.clone();
        }
        float[] out = new float[n];
        java.util.Arrays.fill(out, v[0]);
        return out;
    }

    static int[] expand(int[] v, int n) {
        if (v.length == n) {
            return v.clone();
        }
        int[] out = new int[n];
        java.util.Arrays.fill(out, v[0]);
        return out;
    }
}
