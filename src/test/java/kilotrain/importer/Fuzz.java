package kilotrain.importer;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import kilotrain.KtException;
import kilotrain.ir.Graph;

/**
 * Feeds mutants of one model file to {@link ModelLoader#load} and sorts the outcomes. A mutant passes when it
 * imports or fails with a {@link KtException}; anything else, a hang past the timeout, or an allocation the file
 * size does not justify, is a finding. Allocation is measured per mutant on the importing thread, so the bound
 * holds whatever heap the JVM has.
 */
final class Fuzz {
    /** Allocation allowed per mutant: a few copies of the file (weights, transposes, names) plus fixed overhead. */
    static final long ALLOC_PER_FILE_BYTE = 8, ALLOC_FIXED = 8L << 20;
    /** Two lanes keep both cores busy; each lane has its own scratch file and its own timed worker. */
    static final int LANES = 2;

    record Report(Path file, int mutants, int graphs, int errors, List<String> findings, long maxAllocated,
            long millis) {
        @Override
        public String toString() {
            return file.getFileName() + ": " + mutants + " mutants, " + graphs + " graphs, " + errors
                    + " KtExceptions, " + findings.size() + " findings, max allocation " + (maxAllocated >> 10)
                    + " KiB, " + millis + " ms";
        }
    }

    private record Outcome(Graph graph, KtException error, Throwable other, long allocated) {
    }

    static Report run(Path file, int mutants, long seed, long timeoutMillis) throws Exception {
        byte[] original = Files.readAllBytes(file);
        Mutator mutator = new Mutator(original);
        long limit = ALLOC_PER_FILE_BYTE * original.length + ALLOC_FIXED;
        List<String> findings = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger graphs = new AtomicInteger(), errors = new AtomicInteger();
        AtomicLong maxAllocated = new AtomicLong();
        long start = System.nanoTime();
        ExecutorService lanes = Executors.newFixedThreadPool(LANES);
        try {
            List<Future<Void>> done = new ArrayList<>();
            for (int lane = 0; lane < LANES; lane++) {
                int first = lane;
                done.add(lanes.submit(() -> {
                    lane(file, mutator, seed, first, mutants, timeoutMillis, limit, findings, graphs, errors,
                            maxAllocated);
                    return null;
                }));
            }
            for (Future<Void> f : done) {
                f.get();
            }
        } finally {
            lanes.shutdownNow();
        }
        List<String> sorted = new ArrayList<>(findings);
        Collections.sort(sorted);
        return new Report(file, mutants, graphs.get(), errors.get(), sorted, maxAllocated.get(),
                (System.nanoTime() - start) / 1_000_000);
    }

    private static void lane(Path file, Mutator mutator, long seed, int first, int mutants, long timeoutMillis,
            long limit, List<String> findings, AtomicInteger graphs, AtomicInteger errors, AtomicLong maxAllocated)
            throws Exception {
        Path scratch = scratchFile(file);
        String name = scratch.toString();
        ExecutorService exec = newWorker();
        try {
            for (int i = first; i < mutants; i += LANES) {
                Mutator.Mutant m = mutator.mutant(seed * 1_000_003L + i);
                Files.write(scratch, m.bytes());
                Future<Outcome> f = exec.submit(() -> parse(scratch));
                Outcome o;
                try {
                    o = f.get(timeoutMillis, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    f.cancel(true);
                    exec.shutdownNow();
                    exec = newWorker();
                    findings.add("mutant " + i + " [" + m.description() + "]: no result after " + timeoutMillis
                            + " ms");
                    continue;
                }
                maxAllocated.accumulateAndGet(o.allocated, Math::max);
                if (o.other != null) {
                    findings.add("mutant " + i + " [" + m.description() + "]: " + o.other + " at "
                            + (o.other.getStackTrace().length > 0 ? o.other.getStackTrace()[0] : "?"));
                } else if (o.allocated > limit) {
                    findings.add("mutant " + i + " [" + m.description() + "]: allocated " + o.allocated
                            + " bytes for a " + m.bytes().length + "-byte file");
                } else if (o.graph != null) {
                    graphs.incrementAndGet();
                } else {
                    errors.incrementAndGet();
                    String msg = o.error.getMessage();
                    if (msg == null || !msg.startsWith(name)) {
                        findings.add("mutant " + i + " [" + m.description() + "]: message does not name the file: "
                                + msg);
                    }
                }
            }
        } finally {
            exec.shutdownNow();
            Files.deleteIfExists(scratch);
        }
    }

    /** Mutants go through the real file path; tmpfs keeps writing thousands of them cheap. */
    private static Path scratchFile(Path model) throws java.io.IOException {
        Path shm = Path.of("/dev/shm");
        Path dir = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        return Files.createTempFile(dir, "kt-fuzz-", "-" + model.getFileName());
    }

    private static Outcome parse(Path file) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        Graph g = null;
        KtException kt = null;
        Throwable other = null;
        try {
            g = ModelLoader.load(file);
        } catch (KtException e) {
            kt = e;
        } catch (Throwable e) {
            other = e;
        }
        return new Outcome(g, kt, other, threads.getCurrentThreadAllocatedBytes() - before);
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "model-fuzz");
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs the fuzzer outside JUnit, e.g. under a small heap: {@code java -Xmx96m ... Fuzz N file...}. */
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        boolean failed = false;
        for (int i = 1; i < args.length; i++) {
            Report r = run(Path.of(args[i]), n, i, 5000);
            System.out.println(r);
            r.findings().stream().limit(20).forEach(s -> System.out.println("  " + s));
            failed |= !r.findings().isEmpty();
        }
        System.exit(failed ? 1 : 0);
    }
}
