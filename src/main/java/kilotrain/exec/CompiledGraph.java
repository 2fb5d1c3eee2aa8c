package kilotrain.exec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import kilotrain.KtException;
import kilotrain.ir.Add;
import kilotrain.ir.AvgPool2D;
import kilotrain.ir.Conv2D;
import kilotrain.ir.DType;
import kilotrain.ir.FullyConnected;
import kilotrain.ir.Graph;
import kilotrain.ir.Op;
import kilotrain.ir.Reshape;
import kilotrain.ir.Softmax;
import kilotrain.ir.Tensor;
import kilotrain.ops.Scratch;
import kilotrain.ops.add.AddKernel;
import kilotrain.ops.conv.ConvKernel;
import kilotrain.ops.fc.FullyConnectedKernel;
import kilotrain.ops.pool.AvgPoolKernel;
import kilotrain.ops.reshape.ReshapeKernel;
import kilotrain.ops.softmax.SoftmaxKernel;

/**
 * A graph prepared for execution: every operator resolved to its kernel with re-laid-out weights, every activation
 * tensor given a slot. Immutable after construction and shared by any number of {@link Executor}s (one per
 * thread). Weights are copied at compile time, so a graph whose weights change must be compiled again.
 */
public final class CompiledGraph {
    /** One operator bound to the slots of its tensors. */
    interface Step {
        void run(byte[][] slots, Scratch scratch);
    }

    public final Graph graph;
    final List<Step> steps;
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
        List<Step> list = new ArrayList<>();
                for (Op op : graph.ops) {
            try {
                if (op instanceof Conv2D c) {
                    ConvKernel k = ConvKernel.of(c);
                    k.reserve(sizer);
                    int in = slot(c.input), out = slot(c.output);
                    list.add((s, sc) -> k.forward(s[in], 0, s[out], 0, sc));
                } else if (op instanceof FullyConnected f) {
                    FullyConnectedKernel k = FullyConnectedKernel.of(f);
                    k.reserve(sizer);
                    int in = slot(f.input), out = slot(f.output);
                    list.add((s, sc) -> k.forward(s[in], 0, s[out], 0, sc));
                } else if (op instanceof AvgPool2D p) {
                    int in = slot(p.input), out = slot(p.output);
                    list.add((s, sc) -> AvgPoolKernel.forward(p, s[in], 0, s[out], 0));
                } else if (op instanceof Add a) {
                    AddKernel k = AddKernel.of(a);
                    int x1 = slot(a.a), x2 = slot(a.b), out = slot(a.output);
                    list.add((s, sc) -> k.forward(s[x1], 0, s[x2], 0, s[out], 0));
                } else if (op instanceof Reshape r) {
                    int in = slot(r.input), out = slot(r.output), n = r.output.elements();
                    list.add((s, sc) -> ReshapeKernel.forward(s[in], 0, s[out], 0, n));
                } else if (op instanceof Softmax sm) {
                    sizer.doubles(sm.input.dim(-1));
                    int in = slot(sm.input), out = slot(sm.output);
                    list.add((s, sc) -> SoftmaxKernel.forward(sm, s[in], 0, s[out], 0, sc.doubles));
                } else {
                    throw new KtException("operator " + op + " has no kernel");
                }
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
