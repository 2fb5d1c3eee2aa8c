package kilotrain.model;

import java.util.IdentityHashMap;
import java.util.Map;
import kilotrain.ir.Graph;
import kilotrain.ir.Op;
import kilotrain.ir.Tensor;

/**
 * Peak activation memory of inference under a simple liveness plan: a tensor lives from the op that writes it (the
 * input from the start) to the last op that reads it (the output to the end), and the peak is the largest sum of
 * live tensors at any op. No packing or in-place reuse: an upper bound a planner can only improve.
 */
public record InferenceMemory(long peakBytes, int peakOp) {
    public static InferenceMemory of(Graph g) {
        Map<Tensor, Integer> lastUse = new IdentityHashMap<>();
        Map<Tensor, Integer> born = new IdentityHashMap<>();
        born.put(g.input, 0);
        for (int i = 0; i < g.ops.size(); i++) {
            Op op = g.ops.get(i);
            for (Tensor t : op.inputs()) {
                if (!t.isConstant()) {
                    lastUse.put(t, i);
                }
            }
            born.putIfAbsent(op.output(), i);
        }
        lastUse.put(g.output, g.ops.size());
        long peak = 0;
        int at = 0;
        for (int i = 0; i < g.ops.size(); i++) {
            long live = 0;
            for (Map.Entry<Tensor, Integer> e : born.entrySet()) {
                int end = lastUse.getOrDefault(e.getKey(), e.getValue());
                if (e.getValue() <= i && end >= i) {
                    live += e.getKey().bytes();
                }
            }
            if (live > peak) {
                peak = live;
                at = i;
            }
        }
        return new InferenceMemory(peak, at);
    }
}
