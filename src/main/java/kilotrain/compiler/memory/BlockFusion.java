package kilotrain.compiler.memory;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;
import kilotrain.program.Program;

/**
 * Forward fusion: an instruction and the one instruction that alone reads its output E become one instruction that
 * never holds E whole, where the first offers it ({@link Instr#fuseForward}; today the frozen conv + depthwise pair of
 * {@code ops.conv}, which runs one channel at a time through a small plane buffer). The expansion output E is the
 * largest tensor of the forward pass (MobileNetV2 block 1: 64x64x48); without it the forward peak drops from
 * max(in + E, E + D_out) to in + plane + D_out.
 *
 * <p>A pair is offered only when E is an activation that one instruction writes and one reads (no weight gradient
 * saves it, nothing else consumes it); the operator decides the rest (for convs: neither trains nor records a clamp
 * mask). The scratch buffer takes E's buffer id, so buffer ids stay dense; E leaves the program.
 */
public final class BlockFusion {
    private BlockFusion() {
    }

    public static Program apply(Program p) {
        Map<Buf, Integer> readers = new IdentityHashMap<>(), writers = new IdentityHashMap<>();
        for (Instr in : p.step) {
            for (Buf b : in.reads()) {
                readers.merge(b, 1, Integer::sum);
            }
            for (Buf b : in.writes()) {
                writers.merge(b, 1, Integer::sum);
            }
        }
        List<Instr> step = new ArrayList<>(p.step);
        List<Buf> bufs = new ArrayList<>(p.bufs);
        boolean changed = false;
        for (int i = 0; i < step.size(); i++) {
            for (Buf e : step.get(i).writes()) {
                if (e.kind != Buf.Kind.ACT || e == p.input || readers.getOrDefault(e, 0) != 1
                        || writers.getOrDefault(e, 0) != 1) {
                    continue;
                }
                int j = consumer(step, i, e);
                Instr fused = j < 0 ? null : step.get(i).fuseForward(step.get(j), e);
                int at = indexOf(bufs, e);
                if (fused == null || at < 0) {
                    continue;
                }
                bufs.set(at, fused.fusedMiddle());
                step.set(i, fused);
                step.remove(j);
                changed = true;
                break;
            }
        }
        if (!changed) {
            return p;
        }
        return new Program(p.forward, step, bufs, p.params, p.trained, p.input, p.logits, p.loss, p.numClasses,
                p.backboneConvs);
    }

    /**
     * The device's variant with only the fused pairs it needs: each pair of {@code v}'s step is unfused in turn (its
     * two convs run on their own, the middle tensor back in the step) when that does not raise the step's peak
     * (largest live sum, the arena's lower bound); the faster unfused kernels then run wherever memory allows. The
     * result is planned again and kept only if its arena is no larger than {@code v}'s.
     *
     * @param compiled the program before fusion, whose middle tensors share their ids with the planes
     */
    public static Variant unfuseWhereFree(Program compiled, Variant v, ArenaPlanner planner) {
        Program prog = v.program();
        List<Instr> step = v.step();
        long bound = Reorder.peak(prog, step);
        boolean changed = false;
        for (int i = 0; i < step.size(); i++) {
            Buf plane = step.get(i).fusedMiddle();
            if (plane == null) {
                continue;
            }
            Buf e = null;
            for (Buf b : compiled.bufs) {
                if (b.id == plane.id) {
                    e = b;
                }
            }
            int at = indexOf(prog.bufs, plane);
            if (e == null || at < 0) {
                continue;
            }
            List<Buf> bufs = new ArrayList<>(prog.bufs);
            bufs.set(at, e);
            List<Instr> two = step.get(i).unfuse(e);
            List<Instr> trial = new ArrayList<>(step);
            trial.set(i, two.get(0));
            trial.add(i + 1, two.get(1));
            Program t = new Program(prog.forward, trial, bufs, prog.params, prog.trained, prog.input, prog.logits,
                    prog.loss, prog.numClasses, prog.backboneConvs);
            if (Reorder.peak(t, trial) <= bound) {
                prog = t;
                step = trial;
                changed = true;
                i++;
            }
        }
        if (!changed) {
            return v;
        }
        Variant u = Variant.of(v.name(), prog, step, true, planner);
        return u.plan().arenaBytes() <= v.plan().arenaBytes() ? u : v;
    }

    /** Fused pairs in a step. */
    public static int count(List<Instr> step) {
        int n = 0;
        for (Instr in : step) {
            if (in.fusedMiddle() != null) {
                n++;
            }
        }
        return n;
    }

    private static int consumer(List<Instr> step, int from, Buf e) {
        for (int j = from + 1; j < step.size(); j++) {
            if (step.get(j).reads().contains(e)) {
                return j;
            }
        }
        return -1;
    }

    private static int indexOf(List<Buf> bufs, Buf b) {
        for (int i = 0; i < bufs.size(); i++) {
            if (bufs.get(i) == b) {
                return i;
            }
        }
        return -1;
    }
}
