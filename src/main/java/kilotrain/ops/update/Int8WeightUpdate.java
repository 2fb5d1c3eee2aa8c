package kilotrain.ops.update;

/**
 * Applies float32 steps to a trained slice of an int8 weight tensor (symmetric, clamped to [-127, 127]).
 * Every step is first limited to {@code [-maxStep, maxStep]} quantization steps ({@code d = d > m ? m : (d < -m ? -m
 * : d)}, NaN passing through): with QAS the int8 weights train like float weights, and at a learning rate where float
 * SGD starts to oscillate the limit bounds how fast a weight can run away, while ordinary steps (well under one
 * quantization step) are untouched.
 * The slice is n elements, element i living at {@code w[wOff + index[i]]} (index null: {@code w[wOff + i]}), in the
 * order of the gradient that produced the steps (see ConvBackward.weightSliceIndex). For each element, with
 * {@code v = (float) w - d} (one float32 subtraction, exact for |d| below 2^16 steps):
 * <ul>
 * <li>DEVICE_TRUNCATE: {@code w = (int) clamp(v)}, truncation toward zero as in the reference device code, which
 *     writes {@code int8_w -= float_step}. So a step smaller than one unit is dropped when it moves w away from zero
 *     (4 - (-0.7) = 4.7 -> 4), but moves w a whole unit when it points toward zero (4 - 0.3 = 3.7 -> 3): a drift to
 *     zero, not just lost updates.
 * <li>NEAREST_EVEN: {@code w = rint(clamp(v))}.
 * <li>STOCHASTIC: {@code c = clamp(v); f = floor(c); w = f + (u < c - f ? 1 : 0)} with {@code u = rng.nextUnit()},
 *     exactly one draw per element, in slice order, even when c is an integer; unbiased up to 2^-24.
 * <li>FLOAT_SHADOW: {@code m = clamp(m - d)} on the float32 master copy (initialised from the int8 weights), then
 *     {@code w = rint(m)}; steps below half a unit accumulate in m instead of being lost.
 * </ul>
 * clamp is to [-127, 127] in float before any conversion (so C never converts an out-of-range float). A NaN step
 * leaves the weight (and its master copy) unchanged.
 */
public final class Int8WeightUpdate {
    static final float W_MIN = -127.0f, W_MAX = 127.0f;
    /** No limit: the largest float, so C and Java compare against the same finite number. */
    public static final float UNLIMITED = Float.MAX_VALUE;
    /** One quantization step: measured best on the accuracy protocol (docs/training.md, "Step limit"). */
    public static final float DEFAULT_MAX_STEP = 1.0f;

    private final WeightRounding rule;
    private final byte[] w;
    private final int wOff;
    private final int[] index;
    private final int n;
    private final float[] shadow;
    private final XorShift32 rng;
    private final float maxStep;

    public Int8WeightUpdate(WeightRounding rule, byte[] w, int wOff, int[] index, int n, int seed) {
        this(rule, w, wOff, index, n, seed, DEFAULT_MAX_STEP);
    }

    public Int8WeightUpdate(WeightRounding rule, byte[] w, int wOff, int[] index, int n, int seed, float maxStep) {
        if (index != null && index.length != n) {
            throw new IllegalArgumentException("slice index has " + index.length + " entries for " + n + " weights");
        }
        if (!(maxStep > 0)) {
            throw new IllegalArgumentException("the largest weight step must be positive, got " + maxStep);
        }
        this.maxStep = maxStep;
        this.rule = rule;
        this.w = w;
        this.wOff = wOff;
        this.index = index;
        this.n = n;
        this.rng = rule == WeightRounding.STOCHASTIC ? new XorShift32(seed) : null;
        if (rule == WeightRounding.FLOAT_SHADOW) {
            shadow = new float[n];
            for (int i = 0; i < n; i++) {
                shadow[i] = (float) w[at(i)];
            }
        } else {
            shadow = null;
        }
    }

    private int at(int i) {
        return wOff + (index == null ? i : index[i]);
    }

    /** The float32 master copy (FLOAT_SHADOW only), in slice order. */
    public float[] shadow() {
        return shadow;
    }

    public int size() {
        return n;
    }

    /** The stochastic rounding's generator state (STOCHASTIC only), as the generated C's {@code kt_pN_rng} holds it. */
    public int rngState() {
        return rng.state();
    }

    /** w -= delta for the n slice elements. */
    public void apply(float[] delta, int dOff) {
        apply(delta, dOff, 0, n);
    }

    /**
     * w -= delta for the slice elements {@code [from, from + count)}, delta[dOff] being element {@code from}'s step.
     * Applying consecutive ranges in ascending order is exactly {@link #apply(float[], int)} (one random draw per
     * element, in slice order).
     */
    public void apply(float[] delta, int dOff, int from, int count) {
        final int end = from + count;
        final float limit = maxStep;
        switch (rule) {
            case DEVICE_TRUNCATE -> {
                for (int i = from; i < end; i++) {
                    int j = at(i);
                    w[j] = truncate(w[j], limit(delta[dOff + i - from], limit));
                }
            }
            case NEAREST_EVEN -> {
                for (int i = from; i < end; i++) {
                    int j = at(i);
                    w[j] = nearestEven(w[j], limit(delta[dOff + i - from], limit));
                }
            }
            case STOCHASTIC -> {
                for (int i = from; i < end; i++) {
                    int j = at(i);
                    w[j] = stochastic(w[j], limit(delta[dOff + i - from], limit), rng.nextUnit());
                }
            }
            case FLOAT_SHADOW -> {
                for (int i = from; i < end; i++) {
                    float d = limit(delta[dOff + i - from], limit);
                    if (d != d) {
                        continue;
                    }
                    float m = clamp(shadow[i] - d);
                    shadow[i] = m;
                    w[at(i)] = (byte) (int) Math.rint(m);
                }
            }
        }
    }

    /** The step limited to [-m, m]; NaN stays NaN (the rules then leave the weight unchanged). */
    public static float limit(float d, float m) {
        return d > m ? m : (d < -m ? -m : d);
    }

    public static byte truncate(byte w, float d) {
        float v = (float) w - d;
        if (v != v) {
            return w;
        }
        return (byte) (int) clamp(v);
    }

    public static byte nearestEven(byte w, float d) {
        float v = (float) w - d;
        if (v != v) {
            return w;
        }
        return (byte) (int) Math.rint(clamp(v));
    }

    /** u in [0, 1) is the element's draw; consumed even if unused so the sequence does not depend on values. */
    public static byte stochastic(byte w, float d, float u) {
        float v = (float) w - d;
        if (v != v) {
            return w;
        }
        float c = clamp(v);
        float f = (float) Math.floor(c);
        return (byte) (int) (u < c - f ? f + 1.0f : f);
    }

    static float clamp(float v) {
        return v < W_MIN ? W_MIN : (v > W_MAX ? W_MAX : v);
    }
}
