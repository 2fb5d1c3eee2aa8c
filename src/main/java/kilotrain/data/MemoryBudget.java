package kilotrain.data;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import kilotrain.KtException;

/**
 * Stops a load whose decoded images would not fit in the heap with a message the user can act on, instead of an
 * OutOfMemoryError deep inside a decoder: at most 60 % of the maximum heap goes to cached pixels.
 */
final class MemoryBudget {
    /** Ends a load even when unreadable files are being skipped. */
    static final class Exceeded extends KtException {
        Exceeded(String message) {
            super(message);
        }
    }

    private final Path source;
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    MemoryBudget(Path source) {
        this(source, (long) (Runtime.getRuntime().maxMemory() * 0.6));
    }

    MemoryBudget(Path source, long limit) {
        this.source = source;
        this.limit = limit;
    }

    void add(long bytes, int index, int total) {
        long now = used.addAndGet(bytes + 16);
        if (now > limit) {
            throw new Exceeded("decoded images of " + source + " need more than " + limit / (1 << 20)
                    + " MB of memory (reached after " + (index + 1) + " of " + total + " files): limit the samples"
                    + " per class, set a maximum cached image side, or give Java more heap (-Xmx)");
        }
    }
}
