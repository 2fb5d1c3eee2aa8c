package kilotrain.ops.gather;

/** An operator that only moves bytes, stated as a {@link GatherSpec}; it trains through {@link GatherTraining}. */
public interface Gathering {
    GatherSpec gather();
}
