package kilotrain.compiler.memory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;
import kilotrain.program.Program;

/**
 * Which instruction may write its output over one of its inputs ({@link Instr#inPlace}: elementwise operators whose
 * output element i depends only on input element i, read before it is written, of the same size), when that input
 * dies at this instruction. ConvOutGrad writes gAcc over gOut; AddBwd writes its first non-accumulating input gradient
 * over gOut; CopyGrad and Copy (reshape) write over their source.
 *
 * <p>In-place kernels ({@link Instr#inPlaceKernel}: a frozen depthwise conv, a depthwise or 1x1 conv's input
 * gradient) write an output of another size over their input through a small scratch buffer, the smaller of the two
 * at the start of the block. {@link #kernels} puts them into the step (before the reorder passes, which then see
 * their sharing), {@link #plainWhereFree} takes them out again wherever the plain kernel fits under the peak anyway.
 */
public final class InPlace {
    private InPlace() {
    }

    /** Arena blocks of a step: every transient buffer alone, or chained with the buffers it is written over. */
    public static List<Block> blocks(Liveness live, boolean inPlace) {
        Map<Buf, List<Buf>> chainOf = new LinkedHashMap<>();
        for (Buf b : live.bufs) {
            List<Buf> c = new ArrayList<>();
            c.add(b);
            chainOf.put(b, c);
        }
        if (inPlace) {
            for (int i = 0; i < live.step.size(); i++) {
                Buf[] pair = live.step.get(i).inPlace();
                if (pair == null) {
                    continue;
                }
                Buf src = pair[0], dst = pair[1];
                List<Buf> cs = chainOf.get(src), cd = chainOf.get(dst);
                if (cs == null || cd == null || cs == cd || src.kind.persistent || dst.kind.persistent
                        || live.end(src) != i || live.start(dst) != i || cd.get(0) != dst
                        || cs.get(cs.size() - 1) != src
                        || src.bytes() != dst.bytes() && live.step.get(i).inPlaceScratch() == null
                        || Block.alignOf(src) != Block.alignOf(dst)) {
                    continue;
                }
                cs.addAll(cd);
                for (Buf b : cd) {
                    chainOf.put(b, cs);
                }
            }
        }
        List<Block> out = new ArrayList<>();
        java.util.Set<List<Buf>> done = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Buf b : live.bufs) {
            List<Buf> c = chainOf.get(b);
            if (!done.add(c)) {
                continue;
            }
            int s = Integer.MAX_VALUE, e = -1, bytes = 0, align = 4;
            boolean uniform = true;
            for (Buf m : c) {
                s = Math.min(s, live.start(m));
                e = Math.max(e, live.end(m));
                uniform &= m.bytes() == c.get(0).bytes();
                bytes = Math.max(bytes, m.bytes());
                align = Math.max(align, Block.alignOf(m));
            }
            int[] sizes = null;
            if (!uniform) {
                // a chain through in-place kernels: at each instruction, what its live members hold
                sizes = new int[e - s + 1];
                for (Buf m : c) {
                    for (int i = live.start(m); i <= live.end(m); i++) {
                        sizes[i - s] = Math.max(sizes[i - s], m.bytes());
                    }
                }
            }
            out.add(new Block(out.size(), List.copyOf(c), s, e, bytes, align, sizes));
        }
        return out;
    }

    /**
     * The program with every instruction that offers an in-place kernel replaced by it (each with a new scratch
     * buffer), and each fused forward pair ({@link Instr#fusedMiddle}) split again into its two instructions, the
     * second as an in-place kernel, where that holds fewer bytes over the pair than the fused instruction (the 3x3
     * stem: input + its output, then the output alone, instead of input + plane + depthwise output).
     *
     * @param compiled the program before block fusion, whose middle tensors share their ids with the planes
     */
    public static Program kernels(Program compiled, Program p) {
        List<Instr> step = new ArrayList<>(p.step);
        List<Buf> bufs = new ArrayList<>(p.bufs);
        int nextId = nextId(bufs);
        int changed = 0;
        for (int i = 0; i < step.size(); i++) {
            Instr k = step.get(i).inPlaceKernel(nextId);
            if (k != null) {
                step.set(i, k);
                bufs.add(k.inPlaceScratch());
                nextId++;
                changed++;
            }
        }
        Program out = changed == 0 ? p : p.withStepAndBufs(step, bufs);
        for (int i = 0; i < out.step.size(); i++) {
            Buf plane = out.step.get(i).fusedMiddle();
            Buf e = plane == null ? null : byId(compiled.bufs, plane.id);
            if (e == null) {
                continue;
            }
            List<Instr> two = out.step.get(i).unfuse(e);
            Instr second = two.get(1).inPlaceKernel(nextId(out.bufs));
            if (second == null) {
                continue;
            }
            List<Instr> trial = new ArrayList<>(out.step);
            trial.set(i, two.get(0));
            trial.add(i + 1, second);
            List<Buf> tb = new ArrayList<>(out.bufs);
            tb.set(tb.indexOf(plane), e);
            tb.add(second.inPlaceScratch());
            Program t = out.withStepAndBufs(trial, tb);
            long[] before = liveBytes(out, out.step), after = liveBytes(t, trial);
            if (Math.max(after[i], after[i + 1]) < before[i]) {
                out = t;
                i++;
            }
        }
        return out;
    }

    /** In-place kernels of a step. */
    public static int kernelCount(List<Instr> step) {
        int n = 0;
        for (Instr in : step) {
            if (in.inPlaceScratch() != null) {
                n++;
            }
        }
        return n;
    }

    /**
     * The device's variant with only the in-place kernels it needs: each is replaced by its plain instruction in turn
     * ({@link Instr#outOfPlace}) when that does not raise the step's peak (largest live sum); the plain kernels are
     * faster. The scratch stays in the program's buffer list, untouched by the step, so buffer ids stay dense (the
     * executor indexes its buffers by id); only the buffers the step touches are planned. Planned again and kept only if its arena is no larger than {@code v}'s.
     */
    public static Variant plainWhereFree(Variant v, ArenaPlanner planner) {
        Program prog = v.program();
        List<Instr> step = v.step();
        long bound = Reorder.peak(prog, step);
        boolean changed = false;
        for (int i = 0; i < step.size(); i++) {
            Buf scratch = step.get(i).inPlaceScratch();
            if (scratch == null) {
                continue;
            }
            List<Instr> trial = new ArrayList<>(step);
            trial.set(i, step.get(i).outOfPlace());
            Program t = prog.withStep(trial);
            if (Reorder.peak(t, trial) <= bound) {
                prog = t;
                step = trial;
                changed = true;
            }
        }
        if (!changed) {
            return v;
        }
        Variant u = Variant.of(v.name(), prog, step, true, planner);
        return u.plan().arenaBytes() <= v.plan().arenaBytes() ? u : v;
    }

    /** Bytes live at each instruction, in-place chains counted once. */
    static long[] liveBytes(Program p, List<Instr> step) {
        long[] live = new long[Math.max(1, step.size())];
        for (Block b : blocks(Liveness.of(p, step), true)) {
            for (int i = b.start(); i <= b.end(); i++) {
                live[i] += b.bytesAt(i);
            }
        }
        return live;
    }

    private static int nextId(List<Buf> bufs) {
        int next = 0;
        for (Buf b : bufs) {
            next = Math.max(next, b.id + 1);
        }
        return next;
    }

    private static Buf byId(List<Buf> bufs, int id) {
        for (Buf b : bufs) {
            if (b.id == id) {
                return b;
            }
        }
        return null;
    }
}
