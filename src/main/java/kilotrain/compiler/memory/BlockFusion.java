package kilotrain.compiler.memory;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import kilotrain.ir.DType;
import kilotrain.ops.conv.ConvDwFused;
import kilotrain.ops.conv.ConvDwFwd;
import kilotrain.ops.conv.ConvFwd;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;
import kilotrain.program.Program;

/**
 * Fuses each frozen ungrouped conv (the pointwise expansion of an inverted residual block, or the stem conv) with the
 * frozen depthwise conv that alone reads its output into one {@link ConvDwFwd}, which computes the output one
 * channel at a time into a small plane buffer. The expansion output E is the largest tensor of the forward pass
 * (MobileNetV2 block 1: 64x64x48); without it the forward peak drops from max(in + E, E + D_out) to
 * in + plane + D_out.
 *
 * <p>A pair qualifies when E is written by the first conv and read by nothing but the depthwise conv (no weight
 * gradient saves it, nothing else consumes it), neither conv records a clamp mask (no gradient flows through them)
 * and neither trains. The plane takes E's buffer id, so buffer ids stay dense; E leaves the program.
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
            if (!(step.get(i) instanceof ConvFwd p0) || !frozen(p0)) {
                continue;
            }
            Buf e = p0.out();
            if (e.kind != Buf.Kind.ACT || e == p.input || readers.getOrDefault(e, 0) != 1
                    || writers.getOrDefault(e, 0) != 1) {
                continue;
            }
            int j = consumer(step, i, e);
            if (j < 0) {
                continue;
            }
            ConvFwd dw = (ConvFwd) step.get(j);
            if (!frozen(dw) || !ConvDwFused.fusable(p0.conv(), dw.conv())) {
                continue;
            }
            Buf plane = new Buf(e.id, e.name + ".plane", Buf.Kind.ACT, DType.INT8, ConvDwFused.planeElements(dw.conv()));
            int at = indexOf(bufs, e);
            if (at < 0) {
                continue;
            }
            bufs.set(at, plane);
            step.set(i, new ConvDwFwd(p0.conv(), dw.conv(), p0.in(), plane, dw.out()));
            step.remove(j);
            changed = true;
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
            if (!(step.get(i) instanceof ConvDwFwd f)) {
                continue;
            }
            Buf e = null;
            for (Buf b : compiled.bufs) {
                if (b.id == f.plane().id) {
                    e = b;
                }
            }
            int at = indexOf(prog.bufs, f.plane());
            if (e == null || at < 0) {
                continue;
            }
            List<Buf> bufs = new ArrayList<>(prog.bufs);
            bufs.set(at, e);
            List<Instr> trial = new ArrayList<>(step);
            trial.set(i, new ConvFwd(f.conv(), null, f.in(), e, null, null, null));
            trial.add(i + 1, new ConvFwd(f.dw(), null, e, f.out(), null, null, null));
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
            if (in instanceof ConvDwFwd) {
                n++;
            }
        }
        return n;
    }

    /** No trained parameter, no clamp mask: nothing in the backward pass looks at this conv. */
    private static boolean frozen(ConvFwd f) {
        return f.trained() == null && f.mask() == null && f.weight() == null && f.bias() == null;
    }

    private static int consumer(List<Instr> step, int from, Buf e) {
        for (int j = from + 1; j < step.size(); j++) {
            if (step.get(j).reads().contains(e)) {
                return step.get(j) instanceof ConvFwd ? j : -1;
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
