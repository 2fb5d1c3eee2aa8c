package kilotrain.ops.update;

/**
 * Marsaglia's xorshift32 (shifts 13, 17, 5), the stochastic-rounding source, chosen because C reproduces it in three
 * lines on uint32_t: {@code x ^= x << 13; x ^= x >> 17; x ^= x << 5; return x;} (>> logical). The state starts at the
 * seed (a zero seed, which would stick at 0, is replaced by 0x9E3779B9) and each draw first advances it, then returns
 * it. {@link #nextUnit()} maps the top 24 bits to a float in [0, 1): {@code (float)(x >>> 8) * 0x1p-24f}, exact.
 * From seed 1 the first draws are 270369, 67634689, 2647435461 (unsigned).
 */
public final class XorShift32 {
    private int state;

    public XorShift32(int seed) {
        this.state = seed == 0 ? 0x9E3779B9 : seed;
    }

    public int next() {
        int x = state;
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        state = x;
        return x;
    }

    public float nextUnit() {
        return (float) (next() >>> 8) * 0x1.0p-24f;
    }

    public int state() {
        return state;
    }
}
