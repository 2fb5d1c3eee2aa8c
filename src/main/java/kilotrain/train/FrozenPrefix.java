package kilotrain.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.data.Samples;
import kilotrain.exec.Executor;
import kilotrain.ir.Graph;
import kilotrain.ir.Op;
import kilotrain.ir.Tensor;

/**
 * The frozen front of a network, computed once per sample and shared by many fine-tunes. A contribution analysis
 * fine-tunes dozens of schemes that all leave the first layers frozen, on the same samples with the same
 * augmentation (a sample's bytes depend only on seed, epoch and index), so the int8 activation where the trained part
 * begins is the same in every one of them; it is worth computing once. The network is cut at a tensor that alone
 * carries everything the rest needs (no residual branch crosses it): the {@link #suffix()} graph starts there, and
 * these samples are that tensor's bytes. Training the suffix with {@link #shift shifted} schemes is the same
 * computation as training the whole graph, bit for bit, because the frozen ops compute the same int8 values either
 * way and the trained part is compiled identically.
 */
public final class FrozenPrefix implements Samples {
    private final Samples source;
    private final Graph prefix;
    private final Graph suffix;
    private final int skippedConvs;
    private final int cutBytes;
    private final ThreadLocal<Executor> executor;
    private final ThreadLocal<byte[]> input;
    private final Map<Integer, AtomicReferenceArray<byte[]>> train = new ConcurrentHashMap<>();
    private final AtomicReferenceArray<byte[]> test;

    private FrozenPrefix(Samples source, Graph prefix, Graph suffix, int skippedConvs, int inputBytes) {
        this.source = source;
        this.prefix = prefix;
        this.suffix = suffix;
        this.skippedConvs = skippedConvs;
        this.cutBytes = suffix.input.elements();
        this.executor = ThreadLocal.withInitial(() -> new Executor(prefix));
        this.input = ThreadLocal.withInitial(() -> new byte[inputBytes]);
        this.test = new AtomicReferenceArray<>(source.testSize());
    }

    /**
     * The prefix that ends as late as possible but before backbone conv {@code firstTrained}, or null when none
     * exists (the first trained conv is the first op, or every earlier cut is crossed by a residual branch) or when
     * caching {@code epochs} epochs of training samples and the test samples would take more than {@code maxBytes}.
     */
    public static FrozenPrefix before(Graph graph, int firstTrained, Samples source, int epochs, long maxBytes) {
        return cut(graph, firstTrained, source, (long) source.trainSize() * Math.max(1, epochs) + source.testSize(),
                maxBytes);
    }

    /** The same cut for caching the test samples only (a training run's per-epoch evaluation). */
    public static FrozenPrefix forTest(Graph graph, int firstTrained, Samples source, long maxBytes) {
        return cut(graph, firstTrained, source, source.testSize(), maxBytes);
    }

    private static FrozenPrefix cut(Graph graph, int firstTrained, Samples source, long cached, long maxBytes) {
        List<Op> convs = TrainCompiler.backboneLayers(graph);
        if (firstTrained <= 0 || firstTrained >= convs.size()) {
            return null;
        }
        int stop = graph.ops.indexOf(convs.get(firstTrained));
        for (int cut = stop; cut > 0; cut--) {
            Tensor t = graph.ops.get(cut).inputs().get(0);
            if (graph.ops.get(cut - 1).output() != t) {
                continue;
            }
            Graph suffix;
            try {
                suffix = new Graph(graph.name, graph.source, t, graph.output, graph.ops.subList(cut, graph.ops.size()),
                        marksFrom(graph, cut));
            } catch (IllegalArgumentException crossed) {
                continue; // a tensor computed before the cut is read after it: not a single-tensor cut
            }
            if ((long) t.elements() * cached > maxBytes) {
                return null;
            }
            Graph prefix = new Graph(graph.name + "[prefix]", graph.source, graph.input, t,
                    graph.ops.subList(0, cut), Map.of());
            int skipped = 0;
            for (Op op : graph.ops.subList(0, cut)) {
                if (convs.contains(op)) {
                    skipped++;
                }
            }
            return new FrozenPrefix(source, prefix, suffix, skipped, graph.input.elements());
        }
        return null;
    }

    /** The first backbone conv the scheme trains (its bias or weights); {@code backboneConvs} when none. */
    public static int firstTrained(Scheme scheme, int backboneConvs) {
        if (scheme.full || scheme.biasLastK < 0) {
            return 0;
        }
        int first = backboneConvs;
        for (int c = 0; c < backboneConvs; c++) {
            if (scheme.trainsBias(c, backboneConvs) || scheme.weightRatio(c) > 0) {
                first = c;
                break;
            }
        }
        return first;
    }

    private static Map<String, Tensor> marksFrom(Graph graph, int cut) {
        java.util.Set<Tensor> after = new java.util.HashSet<>();
        for (Op op : graph.ops.subList(cut, graph.ops.size())) {
            after.add(op.output());
        }
        Map<String, Tensor> m = new java.util.LinkedHashMap<>();
        graph.marks.forEach((k, v) -> {
            if (after.contains(v)) {
                m.put(k, v);
            }
        });
        return m;
    }

    /** The graph from the cut on: its input is the cut tensor. */
    public Graph suffix() {
        return suffix;
    }

    /** Backbone convs before the cut: the suffix numbers its convs from 0 again. */
    public int skippedConvs() {
        return skippedConvs;
    }

    /** Bytes of one cached activation. */
    public int cutBytes() {
        return cutBytes;
    }

    /** Whether the scheme trains nothing before the cut, so it can be fine-tuned on the suffix. */
    public boolean covers(Scheme scheme, int backboneConvs) {
        return firstTrained(scheme, backboneConvs) >= skippedConvs;
    }

    /** The same scheme with conv indices counted in the suffix (biases count from the end: unchanged). */
    public Scheme shift(Scheme scheme) {
        Map<Integer, Double> w = new TreeMap<>();
        scheme.weightRatios.forEach((c, r) -> w.put(c - skippedConvs, r));
        return new Scheme(scheme.name, scheme.biasLastK, w, false);
    }

    @Override
    public List<String> classes() {
        return source.classes();
    }

    @Override
    public int trainSize() {
        return source.trainSize();
    }

    @Override
    public int testSize() {
        return source.testSize();
    }

    @Override
    public int trainLabel(int index) {
        return source.trainLabel(index);
    }

    @Override
    public int testLabel(int index) {
        return source.testLabel(index);
    }

    @Override
    public float[] trainTargets(int index) {
        return source.trainTargets(index);
    }

    @Override
    public float[] testTargets(int index) {
        return source.testTargets(index);
    }

    @Override
    public int[] epochOrder(int epoch) {
        return source.epochOrder(epoch);
    }

    @Override
    public void fill(int index, int epoch, byte[] dst) {
        AtomicReferenceArray<byte[]> slots = train.computeIfAbsent(epoch,
                e -> new AtomicReferenceArray<>(source.trainSize()));
        byte[] a = slots.get(index);
        if (a == null) {
            byte[] in = input.get();
            source.fill(index, epoch, in);
            a = run(in);
            slots.set(index, a); // two threads computing the same sample store equal bytes
        }
        System.arraycopy(a, 0, dst, 0, cutBytes);
    }

    @Override
    public void fillTest(int index, byte[] dst) {
        byte[] a = test.get(index);
        if (a == null) {
            byte[] in = input.get();
            source.fillTest(index, in);
            a = run(in);
            test.set(index, a);
        }
        System.arraycopy(a, 0, dst, 0, cutBytes);
    }

    private byte[] run(byte[] in) {
        return executor.get().run(in);
    }

    /** Samples cached so far (train, all epochs, plus test). */
    public long cachedSamples() {
        long n = 0;
        List<AtomicReferenceArray<byte[]>> all = new ArrayList<>(train.values());
        all.add(test);
        for (AtomicReferenceArray<byte[]> a : all) {
            for (int i = 0; i < a.length(); i++) {
                n += a.get(i) != null ? 1 : 0;
            }
        }
        return n;
    }
}
