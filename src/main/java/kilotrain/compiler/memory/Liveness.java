package kilotrain.compiler.memory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import kilotrain.KtException;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.Param;
import kilotrain.ops.update.Update;
import kilotrain.program.Program;

/**
 * Lifetimes of the transient buffers of one ordering of a training step, in instruction indices, both ends
 * inclusive: from the first instruction that writes a buffer to the last that reads it. The input is written before
 * the step (it lives from instruction 0); the logits and the loss are read after it, and so is every parameter
 * gradient that no {@link Update} of the step consumes (the deferred batch update reads it), so those live to
 * the last instruction.
 */
public final class Liveness {
    public final List<Instr> step;
    /** Transient buffers the step touches, in order of first appearance. */
    public final List<Buf> bufs;
    /** By buffer id; -1 for buffers the step does not touch. */
    private final int[] start, end;

    private Liveness(List<Instr> step, List<Buf> bufs, int[] start, int[] end) {
        this.step = step;
        this.bufs = Collections.unmodifiableList(bufs);
        this.start = start;
        this.end = end;
    }

    public static Liveness of(Program p, List<Instr> step) {
        int ids = 0;
        for (Buf b : p.bufs) {
            ids = Math.max(ids, b.id + 1);
        }
        int[] start = new int[ids], end = new int[ids];
        java.util.Arrays.fill(start, -1);
        java.util.Arrays.fill(end, -1);
        List<Buf> seen = new ArrayList<>();
        int last = Math.max(0, step.size() - 1);
        boolean[] updated = new boolean[ids];
        for (Instr in : step) {
            Param u = in.updatedParam();
            if (u != null) {
                updated[u.grad.id] = true;
            }
        }
        if (p.input != null) {
            start[p.input.id] = 0;
            end[p.input.id] = 0;
            seen.add(p.input);
        }
        for (int i = 0; i < step.size(); i++) {
            Instr in = step.get(i);
            for (Buf b : in.reads()) {
                if (b.kind.persistent) {
                    continue;
                }
                if (start[b.id] < 0) {
                    throw new KtException("training step: instruction " + i + " (" + in.op() + ") reads buffer '"
                            + b.name + "' before any instruction writes it");
                }
                end[b.id] = i;
            }
            for (Buf b : in.writes()) {
                if (b.kind.persistent) {
                    continue;
                }
                if (start[b.id] < 0) {
                    start[b.id] = i;
                    seen.add(b);
                }
                end[b.id] = Math.max(end[b.id], i);
            }
        }
        for (Buf b : new Buf[] {p.logits, p.loss}) {
            if (b != null && start[b.id] >= 0) {
                end[b.id] = last;
            }
        }
        for (Param q : p.params) {
            if (start[q.grad.id] >= 0 && !updated[q.grad.id]) {
                end[q.grad.id] = last;
            }
        }
        return new Liveness(step, seen, start, end);
    }

    public int start(Buf b) {
        return start[b.id];
    }

    public int end(Buf b) {
        return end[b.id];
    }

    public boolean contains(Buf b) {
        return b.id < start.length && start[b.id] >= 0;
    }

    public boolean liveAt(Buf b, int i) {
        return contains(b) && start[b.id] <= i && i <= end[b.id];
    }

    /** Sum of the sizes of the buffers live at each instruction (no sharing, no padding). */
    public long[] liveBytes() {
        long[] live = new long[Math.max(1, step.size())];
        for (Buf b : bufs) {
            for (int i = start[b.id]; i <= end[b.id]; i++) {
                live[i] += b.bytes();
            }
        }
        return live;
    }

    /** Buffers live at instruction i, largest first. */
    public List<Buf> liveAt(int i) {
        List<Buf> out = new ArrayList<>();
        for (Buf b : bufs) {
            if (liveAt(b, i)) {
                out.add(b);
            }
        }
        out.sort((a, b) -> Integer.compare(b.bytes(), a.bytes()));
        return out;
    }
}
