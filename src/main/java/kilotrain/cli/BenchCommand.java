package kilotrain.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import kilotrain.compiler.TrainSpec;
import kilotrain.exec.Executor;
import kilotrain.exec.TrainExecutor;
import kilotrain.program.TrainState;
import kilotrain.ir.Graph;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.ops.core.Instr;
import kilotrain.program.Program;
import kilotrain.compiler.Scheme;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Host throughput, measured the way training and evaluation run: several threads each with their own workspace,
 * fixed random inputs (the data pipeline is left out so the number is the engine's), a warm-up then a timed run.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure host throughput (images/s) of inference and of the training step.")
final class BenchCommand implements Callable<Integer> {
    @Mixin
    StepModelOptions model;

    @Option(names = "--seconds", defaultValue = "10", description = "Timed seconds per measurement (default ${DEFAULT-VALUE}).")
    double seconds;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--profile", description = "Also print where one training step spends its time, by operation.")
    boolean profile;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() throws Exception {
        int classes = model.classes();
        Checks.positive("--seconds", seconds);
        int t = threads.count();
        StepModelOptions.Step st = model.compile(classes, g -> TrainSpec.Head.FLOAT);
        Graph g = st.graph();
        byte[] input = new byte[g.input.elements()];
        new SplittableRandom(1).nextBytes(input);
        kilotrain.exec.CompiledGraph compiled = kilotrain.exec.CompiledGraph.compile(g);
        double inference = measure(t, () -> {
            Executor ex = new Executor(compiled);
            return () -> ex.run(input);
        });
        Scheme s = st.scheme();
        Program p = st.program();
        TrainState state = new TrainState(p, new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 0));
        TrainExecutor exec = new TrainExecutor(p, state);
        double training = measure(t, () -> {
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
                    System.err.printf("%4d %-24s %8d us %s%n", i, p.step.get(i).op(), nanos[i] / runs / 1000,
                            p.step.get(i).writes());
                }
            }
        }
        if (json.json) {
            ObjectNode o = Json.object();
            o.put("model", model.model.toString());
            o.put("scheme", s.name);
            o.put("threads", t);
            o.put("inference_images_per_second", inference);
            o.put("training_images_per_second", training);
            if (profile) {
                o.set("training_step_microseconds_by_op", Json.MAPPER.valueToTree(toMicros(byOp)));
            }
            System.out.println(Json.write(o));
        } else {
            System.out.printf("%s, %d threads: inference %.1f images/s; training step (%s) %.1f images/s%n", model.model, t,
                    inference, s.name, training);
            if (profile) {
                System.out.println("one training step, microseconds by operation (single thread):");
                toMicros(byOp).forEach((k, v) -> System.out.printf("  %-26s %10d%n", k, v));
            }
        }
        return 0;
    }

    private static Map<String, Long> toMicros(Map<String, Long> nanos) {
        Map<String, Long> out = new TreeMap<>();
        nanos.forEach((k, v) -> out.put(k, v / 1000));
        return out;
    }

    /** Makes one runnable per thread; returns the images per second all threads together reach. */
    private double measure(int threads, java.util.function.Supplier<Runnable> perThread) throws Exception {
        List<Thread> ts = new ArrayList<>();
        long[] counts = new long[threads];
        long warmEnd = System.nanoTime() + (long) (Math.min(3, seconds) * 1e9);
        long[] window = new long[2];
        java.util.concurrent.CyclicBarrier barrier = new java.util.concurrent.CyclicBarrier(threads, () -> {
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
