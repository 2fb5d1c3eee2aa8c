package kilotrain.bench;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import kilotrain.exec.Executor;
import kilotrain.exec.ParallelRunner;
import kilotrain.exec.CompiledGraph;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Forward throughput of a paper model at 128x128 (images per second, one executor per JMH thread). Run with
 * {@code java -cp <classpath> org.openjdk.jmh.Main kilotrain.bench.ForwardBench -t 2 -p model=...}; the model
 * path defaults to ../shared/models/tiny-training/mcunet-5fps.pkl. {@link #main} is a quick timing run without JMH.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class ForwardBench {
    @Param("../shared/models/tiny-training/mcunet-5fps.pkl")
    public String model;

    private Executor executor;
    private byte[] input;

    /** Compiled once per JMH run and shared by all threads, like the eval path shares one CompiledGraph. */
    private static CompiledGraph shared;
    private static String sharedModel;

    private static synchronized CompiledGraph program(String model) {
        if (shared == null || !model.equals(sharedModel)) {
            shared = CompiledGraph.compile(ModelLoader.load(Path.of(model)));
            sharedModel = model;
        }
        return shared;
    }

    @Setup
    public void setup() {
        CompiledGraph p = program(model);
        executor = new Executor(p);
        input = randomInput(p.graph, 42);
    }

    @Benchmark
    public byte[] forward() {
        executor.forward(input);
        return executor.output();
    }

    static byte[] randomInput(Graph g, long seed) {
        byte[] in = new byte[g.input.elements()];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < in.length; i++) {
            in[i] = (byte) r.nextInt(256);
        }
        return in;
    }

    /** Quick timing: {@code ForwardBench [model.pkl] [threads] [seconds]}; prints images/s. */
    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : "../shared/models/tiny-training/mcunet-5fps.pkl";
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : ParallelRunner.defaultThreads();
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 10;
        CompiledGraph p = CompiledGraph.compile(ModelLoader.load(Path.of(model)));
        byte[][] inputs = new byte[64][];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = randomInput(p.graph, i);
        }
        ParallelRunner runner = new ParallelRunner(p, threads);
        int batch = 200;
        runner.forEach(batch, (i, ex) -> ex.forward(inputs[i % inputs.length])); // warm-up
        long start = System.nanoTime();
        long cpuStart = processCpuNanos();
        long images = 0;
        while (System.nanoTime() - start < seconds * 1e9) {
            runner.forEach(batch, (i, ex) -> ex.forward(inputs[i % inputs.length]));
            images += batch;
        }
        double s = (System.nanoTime() - start) / 1e9;
        double cpu = (processCpuNanos() - cpuStart) / 1e9;
        // images per CPU-second does not depend on what else the machine runs; x cores is the idle-machine rate
        System.out.printf("%s: %d threads, %.1f images/s wall (%.2f GMAC/s), %.1f images per CPU-second%n",
                p.graph.name, threads, images / s, images * (double) p.graph.macs() / s / 1e9,
                cpu > 0 ? images / cpu : Double.NaN);
    }

    private static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }
}
