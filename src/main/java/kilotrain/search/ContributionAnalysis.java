package kilotrain.search;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import kilotrain.KtException;

/**
 * Runs the contribution analysis: every measurement of {@link #plan} that the cache does not already hold, either
 * one after another with all threads each, or {@code parallel} at once with an equal share of the threads. Each
 * finished measurement is cached before the next starts, so killing the run loses at most the ones in flight.
 */
public final class ContributionAnalysis {
    /** Progress of the run: a measurement finished (or came from the cache), with an ETA in seconds. */
    public interface Listener {
        void finished(Measurement m, double accuracy, double seconds, boolean cached, int done, int total,
                double etaSeconds);
    }

    public record Result(Map<Measurement, Double> accuracy, int measured, int cached, double wallSeconds) {
    }

    private ContributionAnalysis() {
    }

    /**
     * The classifier-only baseline, bias-only:k for each k, then each (conv, ratio) alone over bias-only:weightBaseK.
     */
    public static List<Measurement> plan(List<Integer> biasKs, List<Integer> convs, List<Double> ratios, int weightBaseK) {
        List<Measurement> out = new ArrayList<>();
        out.add(Measurement.baseline());
        for (int k : biasKs) {
            if (k > 0) {
                out.add(Measurement.bias(k));
            }
        }
        if (weightBaseK > 0 && !biasKs.contains(weightBaseK)) {
            out.add(Measurement.bias(weightBaseK));
        }
        for (int c : convs) {
            for (double r : ratios) {
                out.add(Measurement.weight(weightBaseK, c, r));
            }
        }
        return out;
    }

    public static Result run(List<Measurement> plan, MeasureFunction fn, AnalysisCache cache, int parallel,
            int threads, Listener listener) {
        long t0 = System.nanoTime();
        Map<Measurement, Double> acc = new LinkedHashMap<>();
        List<Measurement> todo = new ArrayList<>();
        int done = 0;
        for (Measurement m : plan) {
            AnalysisCache.Entry e = cache.load(m);
            if (e != null) {
                acc.put(m, e.accuracy());
                listener.finished(m, e.accuracy(), e.seconds(), true, ++done, plan.size(), Double.NaN);
            } else {
                todo.add(m);
            }
        }
        int cached = done;
        int lanes = Math.max(1, Math.min(parallel, todo.size()));
        int perLane = Math.max(1, threads / lanes);
        ExecutorService pool = Executors.newFixedThreadPool(lanes, r -> {
            Thread t = new Thread(r, "kilotrain-analyze");
            t.setDaemon(true);
            return t;
        });
        Object lock = new Object();
        java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        int[] counter = {done};
        long start = System.nanoTime();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Measurement m : todo) {
                futures.add(pool.submit(() -> {
                    if (failed.get()) {
                        return; // one measurement failed: stop rather than spend hours on the rest
                    }
                    long s = System.nanoTime();
                    double a;
                    try {
                        a = fn.measure(m, perLane);
                    } catch (RuntimeException | Error e) {
                        failed.set(true);
                        throw e;
                    }
                    double sec = (System.nanoTime() - s) / 1e9;
                    cache.store(m, new AnalysisCache.Entry(a, sec));
                    synchronized (lock) {
                        acc.put(m, a);
                        int n = ++counter[0];
                        int measuredNow = n - cached;
                        double elapsed = (System.nanoTime() - start) / 1e9;
                        double eta = elapsed / measuredNow * (plan.size() - n);
                        listener.finished(m, a, sec, false, n, plan.size(), eta);
                    }
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new KtException("contribution analysis interrupted; finished measurements are cached");
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new KtException("measurement failed: " + e.getCause(), e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        Map<Measurement, Double> ordered = new LinkedHashMap<>();
        for (Measurement m : plan) {
            ordered.put(m, acc.get(m));
        }
        return new Result(ordered, todo.size(), cached, (System.nanoTime() - t0) / 1e9);
    }
}
