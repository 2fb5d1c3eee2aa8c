package kilotrain.data;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

import kilotrain.KtException;

/**
 * Runs a per-item load on a few threads. Results land at their item's index, so the outcome does not depend on
 * scheduling; on failure the error of the lowest failing index is the one reported (items are claimed in increasing
 * order, so every item before it has been tried).
 */
final class ParallelLoad {
    private ParallelLoad() {
    }

    /**
     * @param skipFailures when true a failing item leaves null and its error in {@code errors}; otherwise the first
     *                     failure is thrown
     */
    static <T> void run(int n, int threads, IntFunction<T> load, T[] results, KtException[] errors,
                        boolean skipFailures) {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger firstFailure = new AtomicInteger(Integer.MAX_VALUE);
        AtomicReference<KtException> fatal = new AtomicReference<>();
        Runnable worker = () -> {
            while (true) {
                int i = next.getAndIncrement();
                if (i >= n || (!skipFailures && i > firstFailure.get()) || fatal.get() != null) {
                    return;
                }
                try {
                    results[i] = load.apply(i);
                } catch (MemoryBudget.Exceeded e) {
                    fatal.compareAndSet(null, e);
                } catch (KtException e) {
                    errors[i] = e;
                    firstFailure.accumulateAndGet(i, Math::min);
                } catch (RuntimeException | OutOfMemoryError e) {
                    errors[i] = new KtException("loading item " + i + " failed: " + e, e);
                    firstFailure.accumulateAndGet(i, Math::min);
                }
            }
        };
        int t = Math.max(1, Math.min(threads, n));
        Thread[] pool = new Thread[t - 1];
        for (int k = 0; k < pool.length; k++) {
            pool[k] = new Thread(worker, "kt-data-load-" + k);
            pool[k].setDaemon(true);
            pool[k].start();
        }
        worker.run();
        for (Thread th : pool) {
            try {
                th.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KtException("interrupted while loading data", e);
            }
        }
        if (fatal.get() != null) {
            throw fatal.get();
        }
        int f = firstFailure.get();
        if (!skipFailures && f != Integer.MAX_VALUE) {
            throw errors[f];
        }
    }
}
