package kilotrain.search;

/** Fine-tunes one scheme and returns its test accuracy; the analysis runner injects it (tests fake it). */
@FunctionalInterface
public interface MeasureFunction {
    /** {@code threads}: worker threads this measurement may use. Returns the test accuracy in [0, 1]. */
    double measure(Measurement m, int threads);
}
