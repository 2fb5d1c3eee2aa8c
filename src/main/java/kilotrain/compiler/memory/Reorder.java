package kilotrain.compiler.memory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import kilotrain.ir.DType;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.Param;
import kilotrain.ops.update.Update;
import kilotrain.program.Program;

/**
 * Reordering of a training step for batch-1 training on the device. Each parameter gets an {@link Update}
 * that runs as soon as its gradient is complete and the last instruction reading its old value has run, so no
 * gradient outlives its layer; weight- and bias-gradient ops run as early as their inputs allow, which also frees
 * the saved activations early; and for each trained conv the pass picks whether its input gradient or its weight
 * gradient comes first, keeping the choice with the lower peak. Only a permutation that respects
 * {@link Dependencies} is ever produced, so every value is the same as in the compiler's order.
 */
public final class Reorder {
    private Reorder() {
    }

    /**
     * The program's step followed by one update per parameter, in parameter order (the deferred update), except
     * for parameters a fused update of the step ({@link Instr#withRowUpdate}) already updates.
     */
    public static List<Instr> withUpdates(Program p) {
        List<Instr> out = new ArrayList<>(p.step);
        Set<Param> fused = new HashSet<>();
        for (Instr in : p.step) {
            if (in.updatedParam() != null) {
                fused.add(in.updatedParam());
            }
        }
        for (Param q : p.params) {
            if (!fused.contains(q)) {
                out.add(new Update(q));
            }
        }
        return out;
    }

    /**
     * The compiler's program with every row-wise gradient fused with its update ({@link Instr#withRowUpdate}: conv
     * weights, {@code rowsPerChunk} gradient rows at a time), placed after the gradient and after the last
     * instruction that reads the parameter (so the input gradient still sees the old weights). Each fused op gets its
     * own chunk buffer.
     */
    public static Program fuseWeightUpdates(Program p, int rowsPerChunk) {
        return fuseWeightUpdates(p, rowsPerChunk, null);
    }

    /**
     * Fuses weight updates where that lowers the peak: fusing keeps a conv's saved input alive until after its input
     * gradient (the fused op must see the old weights there), which costs more than the float weight gradient it
     * saves when the input is large and the weights small (early layers under a full update). Starting from every
     * conv fused, each conv is unfused in turn while that lowers the peak. Returns the program with its step ordered.
     */
    public static Program optimizeFused(Program p) {
        Set<Param> candidates = new java.util.LinkedHashSet<>();
        for (Instr in : p.step) {
            Buf g = in.rowGradient();
            if (g != null) {
                for (Param q : p.params) {
                    if (q.grad == g) {
                        candidates.add(q);
                    }
                }
            }
        }
        Set<Param> fused = new HashSet<>(candidates);
        Program best = fuseWeightUpdates(p, 1, fused);
        List<Instr> bestStep = optimize(best);
        long bestPeak = peak(best, bestStep);
        for (int pass = 0; pass < 3; pass++) {
            boolean improved = false;
            for (Param q : candidates) {
                Set<Param> trial = new HashSet<>(fused);
                if (!trial.remove(q)) {
                    trial.add(q);
                }
                Program t = fuseWeightUpdates(p, 1, trial);
                // quick estimate with the default order choices; the full search only for an accepted change
                List<Instr> base = withUpdates(t);
                List<Instr> quick = schedule(base, Dependencies.of(base), eager(orderChoices(base)));
                if (peak(t, quick) < bestPeak) {
                    List<Instr> full = optimize(t);
                    long pk = Math.min(peak(t, quick), peak(t, full));
                    fused = trial;
                    best = t;
                    bestStep = peak(t, full) <= peak(t, quick) ? full : quick;
                    bestPeak = pk;
                    improved = true;
                }
            }
            if (!improved) {
                break;
            }
        }
        // A fused update recomputes its gradient row by row, which costs device time (MCUNet 49kb: ~60 K ticks a
        // step): keep it only where the peak needs it, i.e. unfuse every conv whose whole gradient fits anyway.
        for (Param q : candidates) {
            if (!fused.contains(q)) {
                continue;
            }
            Set<Param> trial = new HashSet<>(fused);
            trial.remove(q);
            Program t = fuseWeightUpdates(p, 1, trial);
            List<Instr> base = withUpdates(t);
            List<Instr> quick = schedule(base, Dependencies.of(base), eager(orderChoices(base)));
            List<Instr> step = peak(t, quick) <= bestPeak ? quick : optimize(t);
            if (peak(t, step) <= bestPeak) {
                fused = trial;
                best = t;
                bestStep = step;
                bestPeak = peak(t, step);
            }
        }
        return best.withStep(bestStep);
    }

    /** Rows per chunk that the C kernel of a fused update computes together (kt_rows.c: four rows per pass). */
    public static final int WIDE_ROW_CHUNK = 4;

    /**
     * Each fused update of {@code v}'s step ({@link Instr#rowChunk}) with chunks of {@code rows} rows instead of one
     * where the larger chunk buffer ({@code (rows - 1) x} row length more floats) fits under the step's peak: the C
     * kernel converts each saved input value once per chunk pass instead of once per row. Only the chunk sizes
     * change (every element's sum and the update's order are the same), so the bits do not move. Those that fit the
     * lower bound are planned together, or, when that plan is larger, one at a time, each kept only if the planned
     * arena does not grow; returns {@code v} itself when nothing changes.
     */
    public static Variant rowChunksWhereFree(Variant v, int rows, ArenaPlanner planner) {
        long bound = peak(v.program(), v.step());
        List<Integer> fit = new ArrayList<>();
        for (int i = 0; i < v.step().size(); i++) {
            Program t = rowChunk(v.program(), v.step(), i, rows);
            if (t != null && peak(t, t.step) <= bound) {
                fit.add(i);
            }
        }
        if (fit.isEmpty()) {
            return v;
        }
        // all that fit the bound at once; if their plan is larger, one at a time, each kept where the plan is not
        Program all = v.program().withStep(v.step());
        for (int i : fit) {
            all = rowChunk(all, all.step, i, rows);
        }
        Variant u = Variant.of(v.name(), all, all.step, true, planner);
        if (u.plan().arenaBytes() <= v.plan().arenaBytes() && peak(all, all.step) <= bound) {
            return u;
        }
        Variant best = v;
        for (int i : fit) {
            Program t = rowChunk(best.program(), best.step(), i, rows);
            Variant w = Variant.of(v.name(), t, t.step, true, planner);
            if (w.plan().arenaBytes() <= best.plan().arenaBytes() && peak(t, t.step) <= bound) {
                best = w;
            }
        }
        return best;
    }

    /**
     * {@code p} with {@code step} in which instruction {@code i}, a fused row update, computes {@code rows} rows per
     * chunk into a buffer of that size (same id); null if it is no fused update or already has chunks that large.
     */
    private static Program rowChunk(Program p, List<Instr> step, int i, int rows) {
        Instr in = step.get(i);
        Buf chunk = in.rowChunk();
        Param q = in.updatedParam();
        if (chunk == null || q == null) {
            return null;
        }
        int n = Math.min(rows, q.value.elements / q.rowLength);
        if (chunk.elements >= n * q.rowLength) {
            return null;
        }
        Buf wide = new Buf(chunk.id, chunk.name, chunk.kind, chunk.dtype, n * q.rowLength);
        List<Instr> trial = new ArrayList<>(step);
        trial.set(i, in.withRowUpdate(q, wide, n));
        List<Buf> bufs = new ArrayList<>(p.bufs);
        bufs.set(bufs.indexOf(chunk), wide);
        return p.withStepAndBufs(trial, bufs);
    }

    /** Fused updates of a step that compute more than one gradient row per chunk. */
    public static int wideRowChunks(List<Instr> step) {
        int n = 0;
        for (Instr in : step) {
            if (in.rowChunk() != null && in.updatedParam() != null
                    && in.rowChunk().elements > in.updatedParam().rowLength) {
                n++;
            }
        }
        return n;
    }

    /** The keys of every order choice of a step ({@link Instr#orderChoice}). */
    private static Set<Object> orderChoices(List<Instr> step) {
        Set<Object> out = new HashSet<>();
        for (Instr in : step) {
            if (in.orderChoice() != null) {
                out.add(in.orderChoice());
            }
        }
        return out;
    }

    /** {@link #fuseWeightUpdates(Program, int)} for the weight parameters in {@code only} (null: all). */
    public static Program fuseWeightUpdates(Program p, int rowsPerChunk, Set<Param> only) {
        List<Instr> step = new ArrayList<>(p.step);
        List<Buf> bufs = new ArrayList<>(p.bufs);
        int nextId = 0;
        for (Buf b : p.bufs) {
            nextId = Math.max(nextId, b.id + 1);
        }
        for (Param q : p.params) {
            if (only != null && !only.contains(q)) {
                continue;
            }
            int wg = -1, lastRead = -1;
            for (int i = 0; i < step.size(); i++) {
                Instr in = step.get(i);
                if (in.rowGradient() != null && in.rowGradient() == q.grad) {
                    wg = i;
                }
                if (in.reads().contains(q.value)) {
                    lastRead = i;
                }
            }
            if (wg < 0) {
                continue;
            }
            int rows = Math.min(rowsPerChunk, q.value.elements / q.rowLength);
            Buf chunk = new Buf(nextId++, q.name + ".grad_rows", Buf.Kind.GRAD, DType.FLOAT32, rows * q.rowLength);
            bufs.add(chunk);
            Instr fused = step.get(wg).withRowUpdate(q, chunk, rows);
            int at = Math.max(wg, lastRead);
            step.add(at + 1, fused);
            step.remove(wg);
        }
        return new Program(p.forward, step, bufs, p.params, p.trained, p.input, p.logits, p.loss, p.numClasses,
                p.backboneConvs);
    }

    /** The step with each update moved to the earliest legal point, nothing else moved. */
    public static List<Instr> updatesInPlace(Program p) {
        List<Instr> base = withUpdates(p);
        return schedule(base, Dependencies.of(base), in -> in.updatedParam() != null);
    }

    /** Updates in place, weight/bias gradients eager, and the per-conv order searched for the lowest peak. */
    public static List<Instr> optimize(Program p) {
        List<Instr> base = withUpdates(p);
        Dependencies deps = Dependencies.of(base);
        Set<Object> convs = orderChoices(base);
        // start from "weight gradient first" everywhere, then flip convs one at a time while that lowers the peak
        Set<Object> weightFirst = new HashSet<>(convs);
        List<Instr> best = schedule(base, deps, eager(weightFirst));
        long bestPeak = peak(p, best);
        boolean improved = true;
        while (improved) {
            improved = false;
            for (Object c : convs) {
                Set<Object> trial = new HashSet<>(weightFirst);
                if (!trial.remove(c)) {
                    trial.add(c);
                }
                List<Instr> s = schedule(base, deps, eager(trial));
                long pk = peak(p, s);
                if (pk < bestPeak) {
                    bestPeak = pk;
                    best = s;
                    weightFirst = trial;
                    improved = true;
                }
            }
        }
        return best;
    }

    /** Lower bound (largest live sum, in-place chains shared) of one ordering: the search's cost. */
    public static long peak(Program p, List<Instr> step) {
        return peak(p, step, true);
    }

    /** Largest live sum of one ordering, with or without in-place sharing. */
    public static long peak(Program p, List<Instr> step, boolean inPlace) {
        Liveness l = Liveness.of(p, step);
        return ArenaPlanner.lowerBound(InPlace.blocks(l, inPlace), step.size())[0];
    }

    /** Instructions of a step that compute a gradient and apply it in one (fused updates, not plain updates). */
    public static int fusedUpdates(List<Instr> step) {
        int n = 0;
        for (Instr in : step) {
            if (in.updatedParam() != null && !(in instanceof Update)) {
                n++;
            }
        }
        return n;
    }

    /** Eager: what the instruction says ({@link Instr#eager}), and the order choices taken early. */
    private static java.util.function.Predicate<Instr> eager(Set<Object> weightFirst) {
        return in -> in.eager() || in.orderChoice() != null && weightFirst.contains(in.orderChoice());
    }

    /**
     * List scheduling: among the instructions whose predecessors have all run, an eager one runs first; otherwise
     * (and among eager ones) the one earliest in {@code base}.
     */
    public static List<Instr> schedule(List<Instr> base, Dependencies deps, java.util.function.Predicate<Instr> eager) {
        int n = base.size();
        int[] missing = new int[n];
        List<List<Integer>> succ = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            succ.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            missing[i] = deps.preds[i].length;
            for (int j : deps.preds[i]) {
                succ.get(j).add(i);
            }
        }
        boolean[] isEager = new boolean[n];
        for (int i = 0; i < n; i++) {
            isEager[i] = eager.test(base.get(i));
        }
        java.util.TreeSet<Integer> readyEager = new java.util.TreeSet<>(), ready = new java.util.TreeSet<>();
        for (int i = 0; i < n; i++) {
            if (missing[i] == 0) {
                (isEager[i] ? readyEager : ready).add(i);
            }
        }
        int[] order = new int[n];
        for (int k = 0; k < n; k++) {
            Integer next = !readyEager.isEmpty() ? readyEager.pollFirst() : ready.pollFirst();
            if (next == null) {
                throw new IllegalStateException("dependency cycle in the training step");
            }
            order[k] = next;
            for (int s : succ.get(next)) {
                if (--missing[s] == 0) {
                    (isEager[s] ? readyEager : ready).add(s);
                }
            }
        }
        if (!deps.respectedBy(order)) {
            throw new IllegalStateException("reorder produced an order that breaks a dependency");
        }
        List<Instr> out = new ArrayList<>(n);
        for (int i : order) {
            out.add(base.get(i));
        }
        return out;
    }
}
