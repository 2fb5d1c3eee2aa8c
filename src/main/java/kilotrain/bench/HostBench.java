package kilotrain.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.exec.CompiledGraph;
import kilotrain.exec.Executor;
import kilotrain.exec.TrainExecutor;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.ops.core.Instr;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.Program;
import kilotrain.program.TrainState;

/**
 * {@code bench} as one call: host throughput, measured the way training and evaluation run: several threads each
 * with their own workspace, fixed random inputs (the data pipeline is left out so the number is the engine's), a
 * warm-up then a timed run; inference of the model, then its training step under the scheme (float head).
 *
 * @param model   the model file
 * @param scheme  the scheme's name or file
 * @param classes the head's classes
 * @param seconds timed seconds per measurement
 * @param threads threads
 * @param profile also time one training step by operation (single thread)
 */
public record HostBench(Path model, String scheme, int classes, double seconds, int threads, boolean profile) {

    /**
     * The figures: images per second of inference and of the training step, and with {@code profile} the step's
     * microseconds by operation (sorted by name; empty otherwise).
     */
    public record Result(Scheme scheme, double inference, double training, Map<String, Long> microsByOp) {
    }

    /** Measures; {@code log} receives the per-instruction profile when KILOTRAIN_PROFILE_ALL is set. */
    public Result run(Consumer<String> log) throws InterruptedException {
        Graph g = ModelLoader.load(model);
        Scheme s = Scheme.resolve(scheme, TrainCompiler.backboneConvs(g).size());
        Program p = TrainCompiler.compile(g, new TrainSpec(s, classes, 0, TrainSpec.Head.FLOAT));
        byte[] input = new byte[g.input.elements()];
        new SplittableRandom(1).nextBytes(input);
        CompiledGraph compiled = CompiledGraph.compile(g);
        double inference = measure(() -> {
            Executor ex = new Executor(compiled);
            return () -> ex.run(input);
        });
        TrainState state = new TrainState(p, new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 0));
        TrainExecutor exec = new TrainExecutor(p, state);
        double training = measure(() -> {
            TrainExecutor.Workspace ws = exec.workspace();
            return () -> exec.step(ws, input, 1);
        });
        Map<String, Long> byOp = new TreeMap<>();
        if (profile) {
            TrainExecutor.Workspace ws = exec.workspace();
            for (int i = 0; i < 20; i++) {
                exec.step(ws, input, 1);
            }
            ws.profile();
            int runs = 50;
            for (int i = 0; i < runs; i++) {
                exec.step(ws, input, 1);
            }
            long[] nanos = ws.profileNanos();
            for (int i = 0; i < nanos.length; i++) {
                Instr in = p.step.get(i);
                byOp.merge(in.op(), nanos[i] / runs, Long::sum);
            }
            if (System.getenv("KILOTRAIN_PROFILE_ALL") != null) {
                for (int i = 0; i < nanos.length; i++) {
                    log.accept(String.format("%4d %-24s %8d us %s", i, p.step.get(i).op(), nanos[i] / runs / 1000,
                            p.step.get(i).writes()));
                }
            }
        }
        Map<String, Long> micros = new TreeMap<>();
        byOp.forEach((k, v) -> micros.put(k, v / 1000));
        return new Result(s, inference, training, micros);
    }

    /** Makes one runnable per thread; returns the images per second all threads together reach. */
    private double measure(Supplier<Runnable> perThread) throws InterruptedException {
        List<Thread> ts = new ArrayList<>();
        long[] counts = new long[threads];
        long warmEnd = System.nanoTime() + (long) (Math.min(3, seconds) * 1e9);
        long[] window = new long[2];
        CyclicBarrier barrier = new CyclicBarrier(threads, () -> {
            window[0] = System.nanoTime();
            window[1] = window[0] + (long) (seconds * 1e9);
        });
        for (int i = 0; i < threads; i++) {
            final int id = i;
            Thread th = new Thread(() -> {
                Runnable r = perThread.get();
                while (System.nanoTime() < warmEnd) {
                    r.run();
                }
                try {
                    barrier.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                long n = 0;
                while (System.nanoTime() < window[1]) {
                    r.run();
                    n++;
                }
                counts[id] = n;
            });
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join();
        }
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        return total / seconds;
    }
}
