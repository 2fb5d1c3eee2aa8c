package kilotrain.ops.update;

/** How an int8 weight absorbs a float step; see Int8WeightUpdate for the exact arithmetic of each. */
public enum WeightRounding {
    /** The reference device code: {@code w = (int8)((float) w - d)}, C's truncation toward zero. */
    DEVICE_TRUNCATE,
    /** {@code w = rint((float) w - d)}, half to even. */
    NEAREST_EVEN,
    /** Round down or up with probability of the fraction, from a seeded xorshift32. */
    STOCHASTIC,
    /** A float32 master copy of the trained slice absorbs the step; int8 is its rint. */
    FLOAT_SHADOW
}
