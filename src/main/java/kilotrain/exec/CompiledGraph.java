package kilotrain.exec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import kilotrain.KtException;
import kilotrain.ir.DType;
import kilotrain.ir.Graph;
import kilotrain.ir.Op;
import kilotrain.ir.Tensor;
import kilotrain.ops.Binder;
import kilotrain.ops.Forward;
import kilotrain.ops.Operators;
import kilotrain.ops.Scratch;

/**
 * A graph prepared for execution: every operator resolved to its kernel with re-laid-out weights, every activation
 * tensor given a slot. Immutable after construction and shared by any number of {@link Executor}s (one per
 * thread). Weights are copied at compile time, so a graph whose weights change must be compiled again.
 */
public final class CompiledGraph {
    public final Graph graph;
    /** Every operator bound once through {@link Operators} (no dispatch per run). */
    final List<Forward> steps;
    final Map<Tensor, Integer> slotOf;
    final int[] slotBytes;
    private final Scratch.Sizer sizer = new Scratch.Sizer();
    final int inputSlot, outputSlot;

    private CompiledGraph(Graph graph) {
        this.graph = graph;
        Map<Tensor, Integer> slots = new IdentityHashMap<>();
        List<Integer> sizes = new ArrayList<>();
        for (Tensor t : graph.tensors()) {
            if (!t.isConstant()) {
                if (t.dtype != DType.INT8) {
                    throw new KtException("graph '" + graph.name + "': activation tensor " + t
                            + " is not int8; the executor runs int8 graphs only");
                }
                slots.put(t, sizes.size());
                sizes.add(t.elements());
            }
        }
        this.slotOf = Collections.unmodifiableMap(slots);
        this.slotBytes = sizes.stream().mapToInt(Integer::intValue).toArray();
        List<Forward> list = new ArrayList<>();
        Binder binder = new Binder() {
            @Override
            public int slot(Tensor t) {
                return CompiledGraph.this.slot(t);
            }

            @Override
            public Scratch.Sizer scratch() {
                return sizer;
            }
        };
        for (Op op : graph.ops) {
            try {
                list.add(Operators.bind(op, binder));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new KtException("graph '" + graph.name + "': cannot prepare operator " + op + ": "
                        + e.getMessage(), e);
            }
        }
        this.steps = List.copyOf(list);
        this.inputSlot = slot(graph.input);
        this.outputSlot = slot(graph.output);
    }

    private int slot(Tensor t) {
        Integer s = slotOf.get(t);
        if (s == null) {
            throw new KtException("graph '" + graph.name + "': tensor " + t + " is constant where an activation is"
                    + " expected");
        }
        return s;
    }

    /** Fresh scratch big enough for every kernel of this program (one per thread). */
    public Scratch newScratch() {
        return sizer.allocate();
    }

    public static CompiledGraph compile(Graph graph) {
        return new CompiledGraph(graph);
    }
}
