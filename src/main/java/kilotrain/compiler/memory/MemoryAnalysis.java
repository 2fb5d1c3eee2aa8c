package kilotrain.compiler.memory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import kilotrain.ir.Op;
import kilotrain.ir.Tensor;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.Param;
import kilotrain.program.Program;

/**
 * Where a compiled training step lives on the device, for each stage of the memory optimisations: the compiler's
 * order with the deferred (batch) update, then in-place elementwise operators, then each update moved right after
 * its gradient (batch 1), then the reordering. SRAM = planned arena (every transient buffer, the input image
 * included) + trainable parameters (only the trained slices: int8 weights, int32 biases, the float head) + optimizer
 * state (float per trained element with momentum; plain SGD has none) + float32 master copies of the trained conv
 * weights / biases when their update rule keeps one (FLOAT_SHADOW). Flash = the weights and biases of every
 * operator the step runs (frozen ones are read from flash; trained slices are copied from it at start) + the initial
 * float head. Not counted: code, requantisation tables, kernel scratch, stack.
 */
public final class MemoryAnalysis {
    public final Program program;
    public final List<Variant> variants;
    public final long trainableBytes, optimizerBytes, shadowBytes, flashBytes, inputBytes;

    private MemoryAnalysis(Program program, List<Variant> variants, long trainableBytes, long optimizerBytes,
            long shadowBytes, long flashBytes) {
        this.program = program;
        this.variants = Collections.unmodifiableList(variants);
        this.trainableBytes = trainableBytes;
        this.optimizerBytes = optimizerBytes;
        this.shadowBytes = shadowBytes;
        this.flashBytes = flashBytes;
        this.inputBytes = program.input.bytes();
    }

    public static MemoryAnalysis of(Program p, boolean momentum, ArenaPlanner planner) {
        return of(p, momentum, planner, false);
    }

    /**
     * With {@code fused}, a last stage fuses conv weight gradients with their updates, one gradient row at a time,
     * where that lowers the peak ({@link Reorder#optimizeFused}), and becomes {@link #best()}.
     */
    public static MemoryAnalysis of(Program p, boolean momentum, ArenaPlanner planner, boolean fused) {
        return of(p, momentum, false, false, planner, fused);
    }

    /**
     * {@code weightShadow} / {@code biasShadow}: the FLOAT_SHADOW update rules keep a float32 master copy of every
     * trained conv weight / bias element in SRAM beside the int8 / int32 value the forward pass reads.
     */
    public static MemoryAnalysis of(Program p, boolean momentum, boolean weightShadow, boolean biasShadow,
            ArenaPlanner planner, boolean fused) {
        return of(p, momentum, weightShadow, biasShadow, planner, fused, true);
    }

    /**
     * {@code fuseBlocks}: every stage runs the program with frozen pointwise + depthwise pairs fused
     * ({@link BlockFusion}), so no whole expansion tensor exists; {@link #program} is then the fused program.
     */
    public static MemoryAnalysis of(Program compiled, boolean momentum, boolean weightShadow, boolean biasShadow,
            ArenaPlanner planner, boolean fused, boolean fuseBlocks) {
        Program p = fuseBlocks ? BlockFusion.apply(compiled) : compiled;
        List<Variant> v = new ArrayList<>();
        v.add(Variant.of("deferred", p, p.step, false, planner));
        v.add(Variant.of("in-place-ops", p, p.step, true, planner));
        v.add(Variant.of("in-place-updates", p, Reorder.updatesInPlace(p), true, planner));
        v.add(Variant.of("reordered", p, Reorder.optimize(p), true, planner));
        if (fused) {
            Program f = Reorder.optimizeFused(p);
            v.add(Variant.of("fused-weight-updates", f, f.step, true, planner));
        }
        if (fuseBlocks) {
            // fused pairs cost speed: the device keeps only those that hold the peak down
            v.set(v.size() - 1, BlockFusion.unfuseWhereFree(compiled, v.get(v.size() - 1), planner));
        }
        long[] out = outsideArena(p, momentum, weightShadow, biasShadow);
        return new MemoryAnalysis(p, v, out[0], out[1], out[2], flash(p));
    }

    /**
     * What the step keeps in SRAM besides the arena: {trainable parameter bytes (trained slices, head), optimizer
     * state (4 bytes per trained element with momentum), float master copies (4 bytes per shadowed element)}.
     */
    public static long[] outsideArena(Program p, boolean momentum, boolean weightShadow, boolean biasShadow) {
        long trainable = 0, elements = 0, shadow = 0;
        for (Buf b : p.bufs) {
            if (b.kind == Buf.Kind.PARAM) {
                trainable += b.bytes();
            }
        }
        for (Param q : p.params) {
            elements += q.value.elements;
            if (q.role == Param.Role.CONV_WEIGHT && weightShadow || q.role == Param.Role.CONV_BIAS && biasShadow) {
                shadow += 4L * q.value.elements;
            }
        }
        return new long[] {trainable, momentum ? 4 * elements : 0, shadow};
    }

    static long flash(Program p) {
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        long bytes = 0;
        for (Instr in : p.step) {
            for (Op op : in.constOps()) {
                for (Tensor t : op.inputs()) {
                    if (t.isConstant() && seen.add(t)) {
                        bytes += t.bytes();
                    }
                }
            }
        }
        for (Param q : p.params) {
            if (q.isFloat()) {
                bytes += q.value.bytes();
            }
        }
        return bytes;
    }

    public Variant variant(String name) {
        for (Variant v : variants) {
            if (v.name().equals(name)) {
                return v;
            }
        }
        throw new IllegalArgumentException(name);
    }

    /** The variant the device runs: the last (fully optimised) one. */
    public Variant best() {
        return variants.get(variants.size() - 1);
    }

    public long sramTotal(Variant v) {
        return v.plan().arenaBytes() + trainableBytes + optimizerBytes + shadowBytes;
    }
}
