package kilotrain.exec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import kilotrain.KtException;

/**
 * Runs many independent samples over N threads, each with its own {@link Executor} on one shared
 * {@link CompiledGraph}. Every sample's result depends only on its index, so the outcome is the same for any thread
 * count or scheduling; callers write results into per-index slots.
 */
public final class ParallelRunner {
    /** Work for one sample; runs on some worker thread with that thread's executor. */
    @FunctionalInterface
    public interface Task {
        void run(int index, Executor executor) throws Exception;
    }

    private final CompiledGraph compiled;
    private final int threads;

    public ParallelRunner(CompiledGraph compiled, int threads) {
        if (threads <= 0) {
            throw new KtException("thread count must be positive, got " + threads);
        }
        this.compiled = compiled;
        this.threads = threads;
    }

    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** Calls task for every index in [0, count); returns when all are done, rethrowing the first failure. */
    public void forEach(int count, Task task) {
        if (threads == 1 || count <= 1) {
            Executor ex = new Executor(compiled);
            for (int i = 0; i < count; i++) {
                runOne(task, i, ex);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "kilotrain-exec");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                futures.add(pool.submit(() -> {
                    Executor ex = new Executor(compiled);
                    for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                        runOne(task, i, ex);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    next.set(count);
                    Throwable c = e.getCause();
                    if (c instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new KtException("parallel run failed: " + c, c);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new KtException("parallel run interrupted", e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void runOne(Task task, int i, Executor ex) {
        try {
            task.run(i, ex);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new KtException("sample " + i + ": " + e.getMessage(), e);
        }
    }
}
