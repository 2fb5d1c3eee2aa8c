package kilotrain.compiler.memory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;

/**
 * The order constraints of a step, from what each instruction reads and writes (persistent parameters included):
 * a read follows the write it reads (RAW), a write follows the reads of the previous value (WAR) and the previous
 * write (WAW, which also keeps gradient accumulations in their order, hence their float bits). Any order that
 * respects them computes exactly the same values.
 */
public final class Dependencies {
    /** {@code preds[i]}: instructions (indices into the original step) that must run before instruction i. */
    public final int[][] preds;

    private Dependencies(int[][] preds) {
        this.preds = preds;
    }

    public static Dependencies of(List<Instr> step) {
        int n = step.size();
        Map<Buf, Integer> lastWrite = new HashMap<>();
        Map<Buf, List<Integer>> readsSince = new HashMap<>();
        List<java.util.Set<Integer>> p = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            java.util.Set<Integer> s = new java.util.TreeSet<>();
            Instr in = step.get(i);
            for (Buf b : in.reads()) {
                Integer w = lastWrite.get(b);
                if (w != null) {
                    s.add(w);
                }
            }
            for (Buf b : in.writes()) {
                Integer w = lastWrite.get(b);
                if (w != null) {
                    s.add(w);
                }
                for (int r : readsSince.getOrDefault(b, List.of())) {
                    s.add(r);
                }
            }
            for (Buf b : in.reads()) {
                readsSince.computeIfAbsent(b, x -> new ArrayList<>()).add(i);
            }
            for (Buf b : in.writes()) {
                lastWrite.put(b, i);
                readsSince.put(b, new ArrayList<>());
            }
            s.remove(i);
            p.add(s);
        }
        int[][] preds = new int[n][];
        for (int i = 0; i < n; i++) {
            preds[i] = p.get(i).stream().mapToInt(Integer::intValue).toArray();
        }
        return new Dependencies(preds);
    }

    /**
     * Whether {@code order} (a list of indices into the original step) is a permutation of it that runs every
     * instruction after all of its predecessors.
     */
    public boolean respectedBy(int[] order) {
        int n = preds.length;
        if (order.length != n) {
            return false;
        }
        int[] pos = new int[n];
        java.util.Arrays.fill(pos, -1);
        for (int k = 0; k < n; k++) {
            if (order[k] < 0 || order[k] >= n || pos[order[k]] >= 0) {
                return false;
            }
            pos[order[k]] = k;
        }
        for (int i = 0; i < n; i++) {
            for (int j : preds[i]) {
                if (pos[j] > pos[i]) {
                    return false;
                }
            }
        }
        return true;
    }
}
