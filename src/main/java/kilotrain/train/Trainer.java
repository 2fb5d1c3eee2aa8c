package kilotrain.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import kilotrain.KtException;
import kilotrain.data.RocAuc;
import kilotrain.data.Samples;
import kilotrain.exec.TrainExecutor;
import kilotrain.ops.loss.MseGrad;
import kilotrain.ops.loss.TargetKind;
import kilotrain.program.TrainState;
import kilotrain.program.Program;

/**
 * The training loop of the host twin: batches of samples run through the compiled step in parallel (one workspace
 * per thread), their gradients are summed in sample order exactly as the device accumulates them one image at a
 * time, and the update applies them. Deterministic for a given seed whatever the thread count.
 */
public final class Trainer {
    /**
     * {@code reuseFrozenTest}: evaluate from the test images' frozen front computed once ({@link TestFront}; the same
     * accuracies, faster); false recomputes every layer at every evaluation. {@code testLastEpochOnly}: evaluate only
     * after the last epoch (the others report NaN): a contribution analysis needs only the final accuracy.
     * {@code dropLast}: skip each epoch's last partial batch, as PyTorch's {@code DataLoader(drop_last=True)} in the
     * reference's training script; the learning-rate schedule then counts only full batches.
     */
    public record Options(int epochs, int warmupEpochs, double lr, int batch, LrSchedule.Kind schedule, int threads,
            double divergeLoss, boolean reuseFrozenTest, boolean testLastEpochOnly, boolean dropLast) {
        public Options(int epochs, int warmupEpochs, double lr, int batch, LrSchedule.Kind schedule, int threads,
                double divergeLoss) {
            this(epochs, warmupEpochs, lr, batch, schedule, threads, divergeLoss, true, false, false);
        }

        public Options withReuseFrozenTest(boolean reuse) {
            return new Options(epochs, warmupEpochs, lr, batch, schedule, threads, divergeLoss, reuse,
                    testLastEpochOnly, dropLast);
        }

        public Options withTestLastEpochOnly(boolean last) {
            return new Options(epochs, warmupEpochs, lr, batch, schedule, threads, divergeLoss, reuseFrozenTest, last,
                    dropLast);
        }

        public Options withDropLast(boolean drop) {
            return new Options(epochs, warmupEpochs, lr, batch, schedule, threads, divergeLoss, reuseFrozenTest,
                    testLastEpochOnly, drop);
        }
    }

    /**
     * The mean batch loss beyond which a run of {@code classes} classes has exploded: 25 times the loss of a uniform
     * guess, ln(classes). A healthy run starts near ln(classes) and goes down; a run that passed this bound has never
     * been seen to recover (measured: last-k:12 at lr 0.05 went to 503 in warm-up and ended at 10 %).
     */
    public static double explodingLoss(int classes) {
        return 25 * Math.log(Math.max(2, classes));
    }

    /**
     * The mean loss of a whole epoch beyond which the run has collapsed: 3 times the loss of a uniform guess, plus 2
     * for few classes (a fresh head may start well above ln 2). Measured healthy protocol runs end every epoch below
     * 1.2 ln(classes); the int8 head at lr 0.1 sat at 10.7 (4.7 ln 10, bound 8.9), its logits stuck at the clamp,
     * below the exploding-loss bound.
     */
    public static double stalledLoss(int classes) {
        return 3 * Math.log(Math.max(2, classes)) + 2;
    }

    /**
     * One epoch. A classification reports accuracies (the MAE / MSE fields NaN); a regression ({@link Program#regress()})
     * reports its train loss as the train MSE, the train MAE, and the test MSE and MAE (accuracies NaN). Train figures
     * are the running ones of the epoch (each sample before the update of its batch); test ones after the epoch.
     */
    public record EpochMetrics(int epoch, boolean warmup, double lr, double trainLoss, double trainAccuracy,
            double testAccuracy, double seconds, double imagesPerSecond, double trainMae, double testMse,
            double testMae, double testAuc) {
    }

    /**
     * Test MSE and MAE (over samples and outputs, in double, sample order) of a regression; for an autoencoder also
     * the ROC AUC of the reconstruction errors (the anomaly scores) against the test labels (normal: label 0 or the
     * class 'normal', {@link RocAuc#normalClass}), and the mean MSE of the normal samples alone (NaN otherwise).
     */
    public record Errors(double mse, double mae, double auc, double normalMse) {
    }

    /** Reports progress: samples done in the epoch, running loss and accuracy. */
    public interface Progress {
        /** Reports nothing (measurements inside an analysis, tests). */
        Progress NONE = new Progress() {
            @Override
            public void epochStart(int epoch, int totalEpochs, int samples) {
            }

            @Override
            public void batchDone(int samplesDone, double meanLoss, double accuracy) {
            }

            @Override
            public void epochEnd(EpochMetrics m) {
            }
        };

        void epochStart(int epoch, int totalEpochs, int samples);

        void batchDone(int samplesDone, double meanLoss, double accuracy);

        void epochEnd(EpochMetrics m);
    }

    private final TrainExecutor exec;
    private final Program program;
    private final TrainState state;
    private final Samples source;
    private final Options options;
    private TestFront front;
    private boolean frontChecked;

    public Trainer(TrainExecutor exec, Samples source, Options options) {
        this.exec = exec;
        this.program = exec.program();
        this.state = exec.state();
        this.source = source;
        this.options = options;
        if (options.batch() < 1) {
            throw new KtException("batch size must be at least 1, got " + options.batch());
        }
        if (!(options.lr() > 0) || Double.isInfinite(options.lr())) {
            throw new KtException("learning rate must be positive and finite, got " + options.lr());
        }
        if (options.epochs() < 0 || options.warmupEpochs() < 0 || options.epochs() + options.warmupEpochs() < 1) {
            throw new KtException("epochs must be at least one in all and none negative, got " + options.epochs()
                    + " epochs and " + options.warmupEpochs() + " warm-up epochs");
        }
    }

    /**
     * Runs warm-up and training epochs; after each epoch {@code afterEpoch} sees the metrics (to save the model
     * while it is known good). Throws {@link Diverged} when the loss stops being finite or explodes.
     */
    public List<EpochMetrics> run(Progress progress, Consumer<EpochMetrics> afterEpoch) {
        int n = source.trainSize();
        if (n == 0) {
            throw new KtException("the training set is empty");
        }
        int batch = Math.min(options.batch(), n);
        // with dropLast the trained images per epoch are the whole batches only (at least one batch: batch <= n)
        int trained = options.dropLast() ? n / batch * batch : n;
        int stepsPerEpoch = (trained + batch - 1) / batch;
        LrSchedule schedule = new LrSchedule(options.lr(), options.schedule(), options.warmupEpochs(), options.epochs(),
                stepsPerEpoch);
        int threads = Math.max(1, options.threads());
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "kilotrain-train");
            t.setDaemon(true);
            return t;
        });
        List<TrainExecutor.Workspace> spaces = new ArrayList<>();
        List<byte[]> inputs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            spaces.add(exec.workspace());
            inputs.add(new byte[program.input.elements]);
        }
        int params = program.params.size();
        float[][][] slots = new float[batch][params][];
        for (int b = 0; b < batch; b++) {
            for (int p = 0; p < params; p++) {
                slots[b][p] = new float[program.params.get(p).value.elements];
            }
        }
        float[] losses = new float[batch];
        boolean[] correct = new boolean[batch];
        boolean regress = program.regress();
        boolean autoencoder = program.autoencoder();
        double[] absErr = new double[batch];
        float[][] sum = new float[params][];
        for (int p = 0; p < params; p++) {
            sum[p] = new float[program.params.get(p).value.elements];
        }
        List<EpochMetrics> history = new ArrayList<>();
        long step = 0;
        int total = options.warmupEpochs() + options.epochs();
        try {
            for (int epoch = 0; epoch < total; epoch++) {
                long t0 = System.nanoTime();
                int[] order = source.epochOrder(epoch);
                progress.epochStart(epoch, total, trained);
                double lossSum = 0, absSum = 0;
                int right = 0, done = 0;
                float lr = 0;
                for (int start = 0; start < trained; start += batch) {
                    int bs = Math.min(batch, trained - start);
                    final int s0 = start, ep = epoch;
                    List<Future<?>> futures = new ArrayList<>();
                    for (int t = 0; t < threads; t++) {
                        final int tid = t;
                        futures.add(pool.submit(() -> {
                            TrainExecutor.Workspace ws = spaces.get(tid);
                            byte[] in = inputs.get(tid);
                            for (int j = tid; j < bs; j += threads) {
                                int idx = order[s0 + j];
                                source.fill(idx, ep, in);
                                if (regress) {
                                    float[] tg = autoencoder ? null : source.trainTargets(idx);
                                    losses[j] = exec.step(ws, in, tg);
                                    absErr[j] = absError(ws.floats(program.logits), targetValues(tg, in));
                                } else {
                                    int label = source.trainLabel(idx);
                                    losses[j] = exec.step(ws, in, label);
                                    correct[j] = exec.argmaxLogits(ws) == label;
                                }
                                exec.copyGradients(ws, slots[j]);
                            }
                        }));
                    }
                    for (Future<?> f : futures) {
                        join(f);
                    }
                    double batchLoss = 0;
                    for (int j = 0; j < bs; j++) {
                        batchLoss += losses[j];
                        right += correct[j] ? 1 : 0;
                        absSum += absErr[j];
                    }
                    lossSum += batchLoss;
                    done += bs;
                    double mean = batchLoss / bs;
                    if (!Double.isFinite(mean) || mean > options.divergeLoss()) {
                        throw new Diverged(epoch, done, mean);
                    }
                    reduce(slots, bs, sum);
                    lr = schedule.at(step++);
                    state.apply(sum, bs, lr);
                    progress.batchDone(done, lossSum / done, regress ? Double.NaN : (double) right / done);
                }
                if (!regress && lossSum / trained > stalledLoss(program.numClasses)) {
                    // a collapsed run whose loss no longer explodes (e.g. int8 logits stuck at their clamp)
                    throw new Diverged(epoch, trained, lossSum / trained);
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                boolean test = source.testSize() > 0 && (!options.testLastEpochOnly() || epoch == total - 1);
                double testAcc = test && !regress ? evaluate(pool, spaces, inputs, threads) : Double.NaN;
                Errors errors = test && regress ? errors(pool, spaces, inputs, threads) : null;
                EpochMetrics m = new EpochMetrics(epoch + 1, epoch < options.warmupEpochs(), lr, lossSum / trained,
                        regress ? Double.NaN : (double) right / trained, testAcc, seconds, trained / seconds,
                        regress ? absSum / trained : Double.NaN, errors == null ? Double.NaN : errors.mse(),
                        errors == null ? Double.NaN : errors.mae(), errors == null ? Double.NaN : errors.auc());
                history.add(m);
                progress.epochEnd(m);
                afterEpoch.accept(m);
            }
        } finally {
            pool.shutdownNow();
        }
        return history;
    }

    /** sum[p] = ((0 + g_0) + g_1) + ... in sample order: the device's accumulation, reproduced exactly. */
    static void reduce(float[][][] slots, int bs, float[][] sum) {
        for (int p = 0; p < sum.length; p++) {
            float[] acc = sum[p];
            java.util.Arrays.fill(acc, 0.0f);
            for (int j = 0; j < bs; j++) {
                float[] g = slots[j][p];
                for (int i = 0; i < acc.length; i++) {
                    acc[i] = acc[i] + g[i];
                }
            }
        }
    }

    /**
     * The real values the outputs are compared with: float targets as they are; int8 targets and an autoencoder's
     * input dequantized as the loss does it, {@code (float) (q - zero) * scale}.
     */
    private float[] targetValues(float[] targets, byte[] input) {
        TargetKind kind = program.targetKind();
        if (kind == TargetKind.FLOAT) {
            return targets;
        }
        MseGrad m = program.mse();
        int n = program.numClasses;
        float[] t = new float[n];
        for (int i = 0; i < n; i++) {
            int q = kind == TargetKind.INPUT ? input[i] : (int) targets[i];
            t[i] = (float) (q - m.zero()) * m.scale();
        }
        return t;
    }

    /** Mean over the outputs of |prediction - target|, in double. */
    private static double absError(float[] pred, float[] target) {
        double s = 0;
        for (int k = 0; k < target.length; k++) {
            s += Math.abs((double) pred[k] - target[k]);
        }
        return s / target.length;
    }

    /** A regression's test MSE and MAE with the current parameters (the model before training, when run first). */
    public Errors errors() {
        return withPool((pool, spaces, inputs, threads) -> errors(pool, spaces, inputs, threads));
    }

    private interface PoolJob<T> {
        T run(ExecutorService pool, List<TrainExecutor.Workspace> spaces, List<byte[]> inputs, int threads);
    }

    private <T> T withPool(PoolJob<T> job) {
        int threads = Math.max(1, options.threads());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<TrainExecutor.Workspace> spaces = new ArrayList<>();
            List<byte[]> inputs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                spaces.add(exec.workspace());
                inputs.add(new byte[program.input.elements]);
            }
            return job.run(pool, spaces, inputs, threads);
        } finally {
            pool.shutdownNow();
        }
    }

    private Errors errors(ExecutorService pool, List<TrainExecutor.Workspace> spaces, List<byte[]> inputs,
            int threads) {
        int n = source.testSize();
        int k = program.numClasses;
        double[] se = new double[n], ae = new double[n];
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int tid = t;
            futures.add(pool.submit(() -> {
                TrainExecutor.Workspace ws = spaces.get(tid);
                byte[] buffer = inputs.get(tid);
                float[] pred = new float[k];
                for (int i = tid; i < n; i += threads) {
                    source.fillTest(i, buffer);
                    exec.predict(ws, buffer, pred);
                    float[] target = targetValues(program.autoencoder() ? null : source.testTargets(i), buffer);
                    double sq = 0;
                    for (int j = 0; j < k; j++) {
                        double d = (double) pred[j] - target[j];
                        sq += d * d;
                    }
                    se[i] = sq / k;
                    ae[i] = absError(pred, target);
                }
            }));
        }
        for (Future<?> f : futures) {
            join(f);
        }
        double mse = 0, mae = 0;
        for (int i = 0; i < n; i++) {
            mse += se[i];
            mae += ae[i];
        }
        double auc = Double.NaN, normalMse = Double.NaN;
        if (program.autoencoder()) {
            int normal = RocAuc.normalClass(source.classes());
            boolean[] anomalous = new boolean[n];
            double s = 0;
            int normals = 0;
            for (int i = 0; i < n; i++) {
                anomalous[i] = source.testLabel(i) != normal;
                if (!anomalous[i]) {
                    s += se[i];
                    normals++;
                }
            }
            auc = RocAuc.of(se, anomalous);
            normalMse = normals > 0 ? s / normals : Double.NaN;
        }
        return new Errors(mse / n, mae / n, auc, normalMse);
    }

    /** Top-1 accuracy on the test set with the current parameters. */
    public double evaluate() {
        return withPool((pool, spaces, inputs, threads) -> evaluate(pool, spaces, inputs, threads));
    }

    private double evaluate(ExecutorService pool, List<TrainExecutor.Workspace> spaces, List<byte[]> inputs,
            int threads) {
        int n = source.testSize();
        TestFront frozen = testFront();
        int[] right = new int[threads];
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int tid = t;
            futures.add(pool.submit(() -> {
                TrainExecutor.Workspace ws = spaces.get(tid);
                byte[] buffer = frozen == null ? inputs.get(tid) : frozen.newBuffer();
                for (int i = tid; i < n; i += threads) {
                    int predicted;
                    if (frozen == null) {
                        source.fillTest(i, buffer);
                        predicted = exec.predict(ws, buffer, null);
                    } else {
                        predicted = frozen.predict(exec, ws, i, buffer, null);
                    }
                    if (predicted == source.testLabel(i)) {
                        right[tid]++;
                    }
                }
            }));
        }
        for (Future<?> f : futures) {
            join(f);
        }
        int r = 0;
        for (int x : right) {
            r += x;
        }
        return (double) r / n;
    }

    /**
     * The test images' frozen front, made at the first evaluation (null when the run trains from the first conv on,
     * when its cache would take more than an eighth of the heap, or when the run tests only once: caching then saves
     * nothing and costs the copies).
     */
    private synchronized TestFront testFront() {
        if (!frontChecked) {
            frontChecked = true;
            boolean once = options.testLastEpochOnly() || options.warmupEpochs() + options.epochs() == 1;
            front = options.reuseFrozenTest() && !once
                    ? TestFront.of(program, source, Runtime.getRuntime().maxMemory() / 8)
                    : null;
        }
        return front;
    }

    private static void join(Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KtException("training interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new KtException("training failed: " + c, c);
        }
    }

    /** The run diverged: non-finite or exploding loss. The parameters of the last finished epoch are kept. */
    public static final class Diverged extends KtException {
        public final int epoch;
        public final double loss;

        Diverged(int epoch, int samples, double loss) {
            super("training diverged in epoch " + (epoch + 1) + " after " + samples + " samples: mean loss "
                    + loss + " (a lower --lr, or --qas on, usually helps); the model of the last finished epoch is kept");
            this.epoch = epoch;
            this.loss = loss;
        }
    }
}
