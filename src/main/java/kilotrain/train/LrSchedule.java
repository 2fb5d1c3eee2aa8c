package kilotrain.train;

/**
 * Learning rate per batch: linear warm-up from 0 over the warm-up epochs, then constant or cosine decay to 0 over
 * the remaining epochs, updated every batch (the accuracy protocol's schedule). Computed in double on the host and
 * handed to the update as one float32 per step, so the device reproduces it from a table or the same formula.
 */
public final class LrSchedule {
    public enum Kind { COSINE, CONSTANT }

    private final double base;
    private final Kind kind;
    private final long warmupSteps, totalSteps;

    public LrSchedule(double base, Kind kind, int warmupEpochs, int epochs, int stepsPerEpoch) {
        this.base = base;
        this.kind = kind;
        this.warmupSteps = (long) warmupEpochs * stepsPerEpoch;
        this.totalSteps = (long) (warmupEpochs + epochs) * stepsPerEpoch;
    }

    /** Learning rate of the {@code step}-th batch (0-based), counted over warm-up and training. */
    public float at(long step) {
        if (step < warmupSteps) {
            return (float) (base * (step + 1) / warmupSteps);
        }
        if (kind == Kind.CONSTANT) {
            return (float) base;
        }
        long decay = totalSteps - warmupSteps;
        double t = decay <= 0 ? 1 : (double) (step - warmupSteps) / decay;
        return (float) (0.5 * base * (1 + Math.cos(Math.PI * t)));
    }
}
