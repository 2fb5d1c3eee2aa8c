package kilotrain.ops.update;

/** How an int32 bias absorbs a float step; see Int32BiasUpdate. */
public enum BiasRounding {
    /** {@code b = sat32(b - rint(d))}: steps under half a unit are dropped. */
    NEAREST_EVEN,
    /** A float32 master copy absorbs the step; the int32 bias is its saturated rint. */
    FLOAT_SHADOW
}
