package kilotrain.ir;

/**
 * How an integer accumulator becomes an int8 output. Each operator that requantizes states its rule explicitly,
 * because the two model families we import were calibrated with different arithmetic and only their own rule
 * reproduces them bit for bit.
 */
public sealed interface Requant permits Requant.FixedPoint, Requant.FloatRint {

    int channels();

    /** The same rule with one multiplier (or scale) per channel: a per-tensor rule repeated {@code channels} times. */
    default Requant perChannel(int channels) {
        if (channels() == channels) {
            return this;
        }
        if (channels() != 1) {
            throw new IllegalArgumentException(channels() + " requantization channels cannot become " + channels);
        }
        if (this instanceof FixedPoint fp) {
            int[] m = new int[channels], sh = new int[channels];
            java.util.Arrays.fill(m, fp.multipliers()[0]);
            java.util.Arrays.fill(sh, fp.shifts()[0]);
            return new FixedPoint(m, sh);
        }
        float[] sc = new float[channels];
        java.util.Arrays.fill(sc, ((FloatRint) this).scales()[0]);
        return new FloatRint(sc);
    }

    /**
     * TFLite's rule: {@code MultiplyByQuantizedMultiplier(acc, multiplier, shift)} (saturating rounding doubling
     * high multiply, then rounding divide by a power of two), one multiplier and shift per output channel.
     */
    record FixedPoint(int[] multipliers, int[] shifts) implements Requant {
        public int channels() {
            return multipliers.length;
        }
    }

    /**
     * The paper's rule: {@code rint(float32(acc + bias) * eff)} in float32 with round half to even, where
     * {@code eff} is a float32 effective scale per output channel.
     */
    record FloatRint(float[] scales) implements Requant {
        public int channels() {
            return scales.length;
        }
    }
}
