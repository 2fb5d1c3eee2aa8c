package kilotrain.exec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import kilotrain.KtException;
import kilotrain.compiler.memory.ArenaPlan;
import kilotrain.ir.DType;
import kilotrain.ops.Scratch;
import kilotrain.ops.conv.ConvWeightUpdate;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Frame;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;
import kilotrain.ops.core.ParamState;
import kilotrain.ops.loss.TargetKind;
import kilotrain.ops.update.Update;
import kilotrain.program.Program;
import kilotrain.program.TrainState;

/**
 * Runs the compiled training step of a {@link Program} on the host, instruction by instruction, with the
 * arithmetic the generated C uses. Parameters live in a shared {@link TrainState}; each thread runs its own
 * {@link Workspace}, so the samples of a batch run in parallel and their gradients are reduced in sample order.
 */
public final class TrainExecutor {
    private final Program program;
    private final TrainState state;
    /** Every instruction of the step bound once to its kernels and parameters. */
    private final JavaStep[] steps;
    /** The inference pass: indices into the step ({@link Program#inference}). */
    private final int[] inference;
    private final Scratch.Sizer sizer = new Scratch.Sizer();
    /** Index of each parameter in {@link Program#params}, for in-step updates. */
    private final Map<Param, Integer> paramIndex = new IdentityHashMap<>();
    /** Per-thread objects the bound steps asked for: key -> slot, and how to make each. */
    private final Map<Object, Integer> slotOf = new HashMap<>();
    private final List<Supplier<?>> slotMakers = new ArrayList<>();
    private int maxFeature = 1;
    private final int maxGrad;
    /** What the loss compares the outputs with (null: a label), and whether the program is a binary one. */
    private final TargetKind targetKind;
    private final boolean binary;

    public TrainExecutor(Program program, TrainState state) {
        this.program = program;
        this.state = state;
        this.targetKind = program.targetKind();
        this.binary = program.binary();
        for (int i = 0; i < program.params.size(); i++) {
            paramIndex.put(program.params.get(i), i);
        }
        JavaBinder binder = new JavaBinder() {
            public int numClasses() {
                return program.numClasses;
            }

            public ParamState state() {
                return state;
            }

            public Scratch.Sizer sizer() {
                return sizer;
            }

            public void needFeature(int floats) {
                maxFeature = Math.max(maxFeature, floats);
            }

            public int slot(Object key, Supplier<?> make) {
                return slotOf.computeIfAbsent(key, k -> {
                    slotMakers.add(make);
                    return slotMakers.size() - 1;
                });
            }

            public int paramIndex(Param p) {
                return paramIndex.get(p);
            }
        };
        int grad = 1;
        steps = new JavaStep[program.step.size()];
        for (int i = 0; i < steps.length; i++) {
            Instr in = program.step.get(i);
            steps[i] = in.bind(binder);
            for (Buf b : in.writes()) {
                if (b.kind == Buf.Kind.GRAD) {
                    grad = Math.max(grad, b.elements);
                }
            }
        }
        this.maxGrad = grad;
        this.inference = Program.inference(program.step);
    }

    public Program program() {
        return program;
    }

    public TrainState state() {
        return state;
    }

    /**
     * Per-thread buffers of every transient buffer of the step, and the thread's own kernels. Either one array per
     * buffer, or (arena mode, {@link #arenaWorkspace}) every transient buffer at its planned offset in one byte
     * arena, int8 and mask buffers passed to the kernels as (arena, offset), float32 ones staged through
     * {@code floats} around each instruction ({@link ArenaLayout}). Instruction rules pass {@code off[b.id]} with
     * {@code bytes[b.id]}: the same rules run in both modes.
     */
    public final class Workspace extends Frame {
        /** Arena mode: where every transient buffer lives, and the arena (both null otherwise). */
        final ArenaLayout layout;
        final byte[] arena;
        /** Nanoseconds spent per instruction index, when profiling (null otherwise). */
        long[] profile;
        /** Called with each instruction's index after it ran in {@link #step} (null: none); for diagnosis. */
        java.util.function.IntConsumer trace;
        /** Called with each instruction's index before it runs in {@link #step} (null: none); {@link StepTrace}. */
        java.util.function.IntConsumer before;

        /** Starts recording the time of every instruction (for {@code kilotrain bench --profile}). */
        public void profile() {
            profile = new long[program.step.size()];
        }

        public long[] profileNanos() {
            return profile;
        }

        Workspace(ArenaLayout layout) {
            super(program.bufs.size(), sizer.allocate(), maxFeature, maxGrad, newLocals());
            this.layout = layout;
            this.arena = layout == null ? null : new byte[Math.max(8, layout.arenaBytes)];
            for (Buf b : program.bufs) {
                if (b.kind.persistent) {
                    continue;
                }
                if (b.kind == Buf.Kind.MASK || b.dtype == DType.INT8) {
                    if (layout == null) {
                        bytes[b.id] = new byte[b.bytes()];
                    } else if (layout.offset[b.id] >= 0) {
                        bytes[b.id] = arena;
                        off[b.id] = layout.offset[b.id];
                    }
                } else if (b.dtype == DType.FLOAT32) {
                    floats[b.id] = new float[b.elements];
                }
            }
        }

        /** The current value of a transient float32 buffer (in arena mode, decoded from the arena). */
        public float[] floats(Buf b) {
            if (layout != null && layout.offset[b.id] >= 0) {
                ArenaLayout.decode(arena, layout.offset[b.id], floats[b.id], b.elements);
            }
            return floats[b.id];
        }

        /** The bytes of a transient int8 / mask buffer (in arena mode, a copy of its place in the arena). */
        public byte[] bytes(Buf b) {
            return layout == null ? bytes[b.id] : Arrays.copyOfRange(arena, off[b.id], off[b.id] + b.bytes());
        }

        /** Whether every transient buffer lives in one planned arena. */
        public boolean inArena() {
            return layout != null;
        }

        /** Arena mode: a step starts from a poisoned arena, so a byte read before this step wrote it shows. */
        void startStep() {
            if (layout != null) {
                Arrays.fill(arena, ArenaLayout.POISON_BYTE);
            }
        }

        /**
         * Arena mode, before instruction i: poisons the staging arrays of its float32 buffers and the kernel scratch
         * that could carry a value between instructions, then decodes the buffers it reads from the arena.
         */
        void stageIn(int i) {
            if (layout == null) {
                return;
            }
            for (int id : layout.floatTouched[i]) {
                Arrays.fill(floats[id], ArenaLayout.POISON_FLOAT);
            }
            Arrays.fill(feature, ArenaLayout.POISON_FLOAT);
            Arrays.fill(tmp, ArenaLayout.POISON_FLOAT);
            Arrays.fill(tmp2, ArenaLayout.POISON_FLOAT);
            for (int id : layout.floatReads[i]) {
                ArenaLayout.decode(arena, layout.offset[id], floats[id], floats[id].length);
            }
        }

        /** Arena mode, after instruction i: encodes the float32 buffers it wrote into the arena. */
        void stageOut(int i) {
            if (layout == null) {
                return;
            }
            for (int id : layout.floatWrites[i]) {
                ArenaLayout.encode(floats[id], floats[id].length, arena, layout.offset[id]);
            }
        }

    }

    private Object[] newLocals() {
        Object[] local = new Object[slotMakers.size()];
        for (int i = 0; i < local.length; i++) {
            local[i] = slotMakers.get(i).get();
        }
        return local;
    }

    public Workspace workspace() {
        return new Workspace(null);
    }

    /**
     * A workspace whose transient buffers live only in one byte arena of {@code plan}'s size, each at its planned
     * offset (see {@link ArenaLayout}): a step run in it gives the results of {@link #workspace()} bit for bit
     * exactly when no two buffers live at the same time share bytes. Parameters stay in the {@link TrainState}.
     */
    public Workspace arenaWorkspace(ArenaPlan plan) {
        return new Workspace(ArenaLayout.of(program, plan));
    }

    /** Forward, loss and backward of one sample; returns the loss and leaves parameter gradients in the workspace. */
    public float step(Workspace ws, byte[] input, int label) {
        return step(ws, input, label, Float.NaN);
    }

    /**
     * The same for a program that updates its parameters in place (batch 1, {@link Update} and
     * {@link ConvWeightUpdate}), with this step's learning rate. One thread only: the updates change the
     * shared state.
     */
    public float step(Workspace ws, byte[] input, int label, float lr) {
        return step(ws, input, label, null, lr);
    }

    /**
     * The step of a regression program ({@link Program#regress()}): the loss reads the sample's targets (int8
     * targets, {@link TargetKind#INT8}, are given as their integer values); an autoencoder's reads the input itself
     * ({@code targets} is then not used).
     */
    public float step(Workspace ws, byte[] input, float[] targets) {
        return step(ws, input, 0, targets, Float.NaN);
    }

    /** The step of any program: the label for a classification or a binary one, the targets for a regression. */
    public float step(Workspace ws, byte[] input, int label, float[] targets) {
        return step(ws, input, label, targets, Float.NaN);
    }

    /**
     * The step of any program (label, or targets for a regression) that updates its parameters in place at {@code lr}
     * (NaN: a program without in-step updates).
     */
    public float step(Workspace ws, byte[] input, int label, float[] targets, float lr) {
        ws.lr = lr;
        ws.label = label;
        ws.targets = targets;
        ws.targetBytes = targetKind == TargetKind.INPUT ? input : targetKind == TargetKind.INT8 ? int8(targets) : null;
        ws.loss = Float.NaN;
        ws.startStep();
        System.arraycopy(input, 0, ws.bytes[program.input.id], ws.off[program.input.id], program.input.elements);
        long[] prof = ws.profile;
        for (int i = 0; i < steps.length; i++) {
            long t0 = prof == null ? 0 : System.nanoTime();
            if (ws.before != null) {
                ws.before.accept(i);
            }
            ws.stageIn(i);
            steps[i].run(ws, true);
            ws.stageOut(i);
            if (ws.trace != null) {
                ws.trace.accept(i);
            }
            if (prof != null) {
                prof[i] += System.nanoTime() - t0;
            }
        }
        return ws.loss;
    }

    /** Forward pass only, to the logits; returns the arg-max class (first on ties). */
    public int predict(Workspace ws, byte[] input, float[] logitsOut) {
        return forwardFrom(ws, 0, program.input, input, logitsOut);
    }

    /**
     * The same pass started at instruction {@code resume} from the bytes of the activation {@code cut}, where
     * {@link Program#resumeAfter} says it may start: the instructions before it would have written exactly these
     * bytes, so the logits are those of {@link #predict} bit for bit.
     */
    public int predictFrom(Workspace ws, int resume, Buf cut, byte[] activation, float[] logitsOut) {
        return forwardFrom(ws, resume, cut, activation, logitsOut);
    }

    private int forwardFrom(Workspace ws, int first, Buf start, byte[] bytes, float[] logitsOut) {
        ws.startStep();
        System.arraycopy(bytes, 0, ws.bytes[start.id], ws.off[start.id], start.elements);
        for (int i : inference) {
            if (i >= first) {
                ws.stageIn(i);
                steps[i].run(ws, false);
                ws.stageOut(i);
            }
        }
        if (logitsOut != null) {
            System.arraycopy(ws.floats(program.logits), 0, logitsOut, 0, program.numClasses);
        }
        return argmaxLogits(ws);
    }

    /** int8 targets given as their integer values, as bytes. */
    private static byte[] int8(float[] targets) {
        if (targets == null) {
            return null;
        }
        byte[] b = new byte[targets.length];
        for (int i = 0; i < b.length; i++) {
            float t = targets[i];
            if (!(t >= -128 && t <= 127) || t != Math.rint(t)) {
                throw new KtException("int8 target " + i + " is " + t + ", not an integer in [-128, 127]");
            }
            b[i] = (byte) t;
        }
        return b;
    }

    /**
     * Arg-max of the logits of the last pass through the workspace; for a binary program (one logit) the class
     * {@code logit > 0}, i.e. sigmoid above one half.
     */
    public int argmaxLogits(Workspace ws) {
        float[] logits = ws.floats(program.logits);
        if (binary) {
            return logits[0] > 0.0f ? 1 : 0;
        }
        int best = 0;
        for (int i = 1; i < program.numClasses; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Copies the per-sample gradients of every parameter, in {@link Program#params} order, into {@code out}. */
    public void copyGradients(Workspace ws, float[][] out) {
        for (int i = 0; i < program.params.size(); i++) {
            Param p = program.params.get(i);
            System.arraycopy(ws.floats(p.grad), 0, out[i], 0, p.grad.elements);
        }
    }
}
