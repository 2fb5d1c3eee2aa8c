package kilotrain.ops;

/**
 * One operator bound for inference: it reads and writes the activation slots the binder gave it and the per-thread
 * scratch sized for the whole graph. Bound once per graph, run for every sample; it allocates nothing.
 */
@FunctionalInterface
public interface Forward {
    void run(byte[][] slots, Scratch scratch);
}
