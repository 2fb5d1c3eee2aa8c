package kilotrain.ops.requant;

import kilotrain.ir.Requant;

/**
 * Turns int32 accumulators (bias already added) into int8 outputs. Kernels call it once per pixel (a run of
 * consecutive channels) or once per channel row (a run of pixels of one channel), never per element, so the
 * element loops stay free of rule dispatch and can be vectorized.
 */
public abstract sealed class Requantizer permits FloatRintRequantizer, FixedPointRequantizer, MaskingRequantizer {
    protected final int zeroPoint, actMin, actMax;

    protected Requantizer(int zeroPoint, int actMin, int actMax) {
        this.zeroPoint = zeroPoint;
        this.actMin = actMin;
        this.actMax = actMax;
    }

    /** {@code out[outOff + i] = requant(acc[accOff + i], channel c0 + i)} for {@code i < n}; may overwrite acc. */
    public abstract void apply(int[] acc, int accOff, int n, int c0, byte[] out, int outOff);

    /**
     * n accumulators of the single channel c: {@code out[outOff + i * outStride] = requant(acc[accOff + i], c)}.
     * May overwrite the accumulators.
     */
    public abstract void applyChannel(int[] acc, int accOff, int n, int c, byte[] out, int outOff, int outStride);

    /** One value of channel c. */
    public abstract int one(int acc, int c);

    /**
     * Whether the output before the clamp lay inside {@code [actMin, actMax]} (bounds included): where the clamp
     * passes the gradient in the backward pass.
     */
    public abstract boolean inside(int acc, int c);

    /**
     * The same rule with its per-channel parameters tiled {@code times} over, so a row of {@code times} pixels of
     * all channels can be requantized in one call; null when the rule cannot (callers fall back to per pixel).
     */
    public Requantizer repeated(int times) {
        return null;
    }

    static float[] tile(float[] v, int times) {
        float[] r = new float[v.length * times];
        for (int t = 0; t < times; t++) {
            System.arraycopy(v, 0, r, t * v.length, v.length);
        }
        return r;
    }

    static int[] tile(int[] v, int times) {
        int[] r = new int[v.length * times];
        for (int t = 0; t < times; t++) {
            System.arraycopy(v, 0, r, t * v.length, v.length);
        }
        return r;
    }

    public int zeroPoint() {
        return zeroPoint;
    }

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
