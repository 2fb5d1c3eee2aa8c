package kilotrain.ops.core;

/** One instruction bound to its kernels and parameters ({@link Instr#bind}), run many times. */
@FunctionalInterface
public interface JavaStep {
    /** Runs the instruction in {@code f}; {@code training} false is the inference pass (no masks recorded). */
    void run(Frame f, boolean training);
}
