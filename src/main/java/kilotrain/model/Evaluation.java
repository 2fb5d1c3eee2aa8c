package kilotrain.model;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import kilotrain.KtException;
import kilotrain.data.SampleSource;

/** Top-1 accuracy and confusion matrix of a predictor on a sample source's test part, over several threads. */
public record Evaluation(int correct, int count, int[][] confusion, double seconds) {
    public double top1() {
        return count == 0 ? 0 : (double) correct / count;
    }

    public double imagesPerSecond() {
        return count / Math.max(1e-9, seconds);
    }

    public static Evaluation run(Predictor p, SampleSource src, int threads, Runnable onSample) {
        int n = src.testSize();
        int[] predicted = new int[n];
        long t0 = System.nanoTime();
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "kilotrain-eval");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < Math.max(1, threads); w++) {
                fs.add(pool.submit(() -> {
                    Predictor.Scorer s = p.scorer();
                    byte[] in = new byte[p.inputSpec().bytes()];
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        src.fillTest(i, in);
                        float[] sc = s.scores(in);
                        // one output on labels: a binary logit, class 1 above 0 (the binary task's rule, kt_predict)
                        int best = sc.length == 1 && sc[0] > 0 ? 1 : 0;
                        for (int c = 1; c < sc.length; c++) {
                            if (sc[c] > sc[best]) {
                                best = c;
                            }
                        }
                        predicted[i] = best;
                        onSample.run();
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    next.set(n);
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new KtException("evaluation failed: " + e.getCause(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new KtException("evaluation interrupted");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        int classes = src.classes().size();
        int outputs = p.classes().size();
        int[][] cm = new int[classes][Math.max(classes, outputs)];
        int correct = 0;
        for (int i = 0; i < n; i++) {
            int label = src.testLabel(i);
            cm[label][Math.min(predicted[i], cm[label].length - 1)]++;
            if (predicted[i] == label) {
                correct++;
            }
        }
        return new Evaluation(correct, n, cm, seconds);
    }
}
