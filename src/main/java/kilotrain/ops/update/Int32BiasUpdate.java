package kilotrain.ops.update;

/**
 * Applies float32 steps to the n int32 biases {@code b[bOff + i]} of a trained layer.
 * <ul>
 * <li>NEAREST_EVEN: {@code b = sat32((long) b - (long) rint(d))}; rint in float32, half to even, d clamped to
 *     [-2^32, 2^32] before the conversion so it is defined in C.
 * <li>FLOAT_SHADOW: {@code m = m - d} on a float32 master copy (initialised from b), then {@code b = sat32(rint(m))}
 *     where sat32 maps m >= 2^31 to INT32_MAX and m <= -2^31 to INT32_MIN (compared in float).
 * </ul>
 * A NaN step leaves the bias (and its master copy) unchanged.
 */
public final class Int32BiasUpdate {
    private static final float LIMIT = 0x1.0p32f;
    private static final float TWO31 = 0x1.0p31f;

    private final BiasRounding rule;
    private final int[] b;
    private final int bOff;
    private final int n;
    private final float[] shadow;

    public Int32BiasUpdate(BiasRounding rule, int[] b, int bOff, int n) {
        this.rule = rule;
        this.b = b;
        this.bOff = bOff;
        this.n = n;
        if (rule == BiasRounding.FLOAT_SHADOW) {
            shadow = new float[n];
            for (int i = 0; i < n; i++) {
                shadow[i] = (float) b[bOff + i];
            }
        } else {
            shadow = null;
        }
    }

    public float[] shadow() {
        return shadow;
    }

    public void apply(float[] delta, int dOff) {
        for (int i = 0; i < n; i++) {
            float d = delta[dOff + i];
            if (d != d) {
                continue;
            }
            if (rule == BiasRounding.NEAREST_EVEN) {
                b[bOff + i] = nearestEven(b[bOff + i], d);
            } else {
                float m = shadow[i] - d;
                shadow[i] = m;
                b[bOff + i] = saturate((float) Math.rint(m));
            }
        }
    }

    public static int nearestEven(int b, float d) {
        float c = d < -LIMIT ? -LIMIT : (d > LIMIT ? LIMIT : d);
        long v = (long) b - (long) Math.rint(c);
        return v > Integer.MAX_VALUE ? Integer.MAX_VALUE : (v < Integer.MIN_VALUE ? Integer.MIN_VALUE : (int) v);
    }

    /** Integer-valued float to int32, saturating. */
    static int saturate(float r) {
        if (r >= TWO31) {
            return Integer.MAX_VALUE;
        }
        if (r <= -TWO31) {
            return Integer.MIN_VALUE;
        }
        return (int) r;
    }
}
