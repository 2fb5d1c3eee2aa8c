package kilotrain.exec;

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import kilotrain.compiler.memory.ArenaPlan;
import kilotrain.ir.Conv2D;
import kilotrain.ir.DType;
import kilotrain.ops.Scratch;
import kilotrain.ops.add.AddBackward;
import kilotrain.ops.add.AddKernel;
import kilotrain.ops.conv.ConvBackward;
import kilotrain.ops.conv.ConvKernel;
import kilotrain.ops.conv.ConvDwFused;
import kilotrain.ops.conv.WeightGradRows;
import kilotrain.ops.fc.FullyConnectedKernel;
import kilotrain.ops.head.FloatHead;
import kilotrain.ops.loss.SoftmaxCrossEntropy;
import kilotrain.ops.pool.AvgPoolBackward;
import kilotrain.ops.pool.AvgPoolKernel;
import kilotrain.ops.requant.MaskingRequantizer;
import kilotrain.ops.requant.Requantizer;
import kilotrain.program.Buf;
import kilotrain.program.Instr;
import kilotrain.program.Param;
import kilotrain.program.Program;

/**
 * Runs the compiled training step of a {@link Program} on the host, instruction by instruction, with the
 * arithmetic the generated C uses. Parameters live in a shared {@link TrainState}; each thread runs its own
 * {@link Workspace}, so the samples of a batch run in parallel and their gradients are reduced in sample order.
 */
public final class TrainExecutor {
    private final Program program;
    private final TrainState state;
    /** Kernels of frozen convs that need no mask: prepared once, shared by all threads. */
    private final Map<Conv2D, ConvKernel> shared = new IdentityHashMap<>();
    private final Map<Instr, Object> prepared = new IdentityHashMap<>();
    private final Map<Conv2D, float[]> eff = new IdentityHashMap<>();
    /** Float weights of the frozen convs whose input gradient is needed: converted once, shared by all threads. */
    private final Map<Conv2D, ConvBackward.Weights> frozenWeights = new IdentityHashMap<>();
    private final Scratch.Sizer sizer = new Scratch.Sizer();
    /** Index of each parameter in {@link Program#params}, for in-step updates. */
    private final Map<Param, Integer> paramIndex = new IdentityHashMap<>();
    private final int maxFeature, maxGrad;

    public TrainExecutor(Program program, TrainState state) {
        this.program = program;
        this.state = state;
        for (int i = 0; i < program.params.size(); i++) {
            paramIndex.put(program.params.get(i), i);
        }
        int feat = 1, grad = 1;
        for (Instr in : program.step) {
            if (in instanceof Instr.ConvFwd f) {
                ConvKernel k = ConvKernel.of(f.conv());
                k.reserve(sizer);
                if (!ownKernel(f)) {
                    shared.put(f.conv(), k);
                }
            } else if (in instanceof Instr.FcFwd f) {
                FullyConnectedKernel k = FullyConnectedKernel.of(f.fc());
                k.reserve(sizer);
                prepared.put(f, k);
            } else if (in instanceof Instr.AddFwd a) {
                prepared.put(a, AddKernel.of(a.add()));
            } else if (in instanceof Instr.ConvDwFwd f) {
                prepared.put(f, new ConvDwFused(f.conv(), f.dw()));
            } else if (in instanceof Instr.ConvOutGrad g) {
                eff.put(g.conv(), ConvBackward.effScales(g.conv().requant, g.conv().output.channels()));
            } else if (in instanceof Instr.ConvInputGrad g) {
                Conv2D c = g.conv();
                byte[] w = state.fullWeights(c);
                if (w == c.weight.int8Data) {
                    frozenWeights.computeIfAbsent(c, x -> new ConvBackward.Weights(x).set(x, w, 0));
                }
            } else if (in instanceof Instr.HeadFwd h) {
                feat = Math.max(feat, h.feature().elements);
            }
            for (Buf b : in.writes()) {
                if (b.kind == Buf.Kind.GRAD) {
                    grad = Math.max(grad, b.elements);
                }
            }
        }
        this.maxFeature = feat;
        this.maxGrad = grad;
    }

    /** Trained convs read the current parameters, and masked ones record their clamp: both need own kernels. */
    private static boolean ownKernel(Instr.ConvFwd f) {
        return f.trained() != null || f.mask() != null;
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
    public final class Workspace {
        final byte[][] bytes = new byte[program.bufs.size()][];
        final float[][] floats = new float[program.bufs.size()][];
        /** Offset of each int8 / mask buffer in {@code bytes[id]}: 0, or its planned offset in the arena. */
        final int[] off = new int[program.bufs.size()];
        /** Arena mode: where every transient buffer lives, and the arena (both null otherwise). */
        final ArenaLayout layout;
        final byte[] arena;
        final Scratch scratch = sizer.allocate();
        final float[] feature = new float[maxFeature];
        final float[] tmp = new float[maxGrad];
        final float[] tmp2 = new float[maxGrad];
        final Map<Conv2D, ConvKernel> kernels = new IdentityHashMap<>();
        final Map<Conv2D, MaskingRequantizer> maskers = new IdentityHashMap<>();
        final ConvBackward.Work work = new ConvBackward.Work();
        /** Scratch of the fused pointwise + depthwise instructions. */
        final Map<Instr, ConvDwFused.Work> fusedWork = new IdentityHashMap<>();
        /** Float copies of the trained convs' weights, refreshed when the parameters' version moves on. */
        final Map<Conv2D, LiveWeights> liveWeights = new IdentityHashMap<>();
        int kernelVersion = -1;
        /** Learning rate of in-step updates (NaN: the program must not update in place). */
        float lr = Float.NaN;
        /** Nanoseconds spent per instruction index, when profiling (null otherwise). */
        long[] profile;
        /** Called with each instruction's index after it ran in {@link #step} (null: none); for diagnosis. */
        java.util.function.IntConsumer trace;

        /** Starts recording the time of every instruction (for {@code kilotrain bench --profile}). */
        public void profile() {
            profile = new long[program.step.size()];
        }

        public long[] profileNanos() {
            return profile;
        }

        Workspace(ArenaLayout layout) {
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

        ConvKernel kernel(Instr.ConvFwd f) {
            ConvKernel k = shared.get(f.conv());
            if (k != null) {
                return k;
            }
            int v = state.version();
            if (v != kernelVersion) {
                kernels.clear();
                kernelVersion = v;
            }
            Conv2D c = f.conv();
            k = kernels.get(c);
            if (k == null) {
                MaskingRequantizer m = maskers.computeIfAbsent(c, x -> new MaskingRequantizer(Requantizer.of(
                        x.requant, x.output.channels(), x.output.quant.zeroPoint(), x.actMin, x.actMax)));
                k = state.kernel(c, m);
                kernels.put(c, k);
            }
            return k;
        }
    }

    /** One thread's float copy of a trained conv's int8 weights and the parameter version it was made from. */
    private static final class LiveWeights {
        final ConvBackward.Weights wf;
        int version = -1;

        LiveWeights(Conv2D c) {
            wf = new ConvBackward.Weights(c);
        }
    }

    /** The float weights the input gradient of conv c multiplies by, for the current parameters. */
    private ConvBackward.Weights inputWeights(Workspace ws, Conv2D c) {
        ConvBackward.Weights f = frozenWeights.get(c);
        if (f != null) {
            return f;
        }
        LiveWeights lw = ws.liveWeights.computeIfAbsent(c, LiveWeights::new);
        int v = state.version();
        if (lw.version != v) {
            lw.wf.set(c, state.fullWeights(c), 0);
            lw.version = v;
        }
        return lw.wf;
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
     * The same for a program that updates its parameters in place (batch 1, {@link Instr.Update} and
     * {@link Instr.ConvWeightUpdate}), with this step's learning rate. One thread only: the updates change the
     * shared state.
     */
    public float step(Workspace ws, byte[] input, int label, float lr) {
        ws.lr = lr;
        ws.startStep();
        System.arraycopy(input, 0, ws.bytes[program.input.id], ws.off[program.input.id], program.input.elements);
        float loss = Float.NaN;
        long[] prof = ws.profile;
        for (int i = 0; i < program.step.size(); i++) {
            Instr in = program.step.get(i);
            long t0 = prof == null ? 0 : System.nanoTime();
            ws.stageIn(i);
            if (in instanceof Instr.LossGrad l) {
                loss = SoftmaxCrossEntropy.lossAndGrad(ws.floats[l.logits().id], 0, program.numClasses, label,
                        ws.floats[l.gLogits().id], 0);
                ws.floats[l.loss().id][0] = loss;
            } else {
                run(ws, in, true);
            }
            ws.stageOut(i);
            if (ws.trace != null) {
                ws.trace.accept(i);
            }
            if (prof != null) {
                prof[i] += System.nanoTime() - t0;
            }
        }
        return loss;
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
        for (int i = first; i < program.step.size(); i++) {
            Instr in = program.step.get(i);
            if (in instanceof Instr.LossGrad) {
                break;
            }
            if (!(in instanceof Instr.SaveChannels)) {
                ws.stageIn(i);
                run(ws, in, false);
                ws.stageOut(i);
            }
        }
        if (logitsOut != null) {
            System.arraycopy(ws.floats(program.logits), 0, logitsOut, 0, program.numClasses);
        }
        return argmaxLogits(ws);
    }

    /** Arg-max of the logits of the last pass through the workspace. */
    public int argmaxLogits(Workspace ws) {
        float[] logits = ws.floats(program.logits);
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

    private void run(Workspace ws, Instr in, boolean training) {
        if (in instanceof Instr.ConvFwd f) {
            ConvKernel k = ws.kernel(f);
            MaskingRequantizer m = ws.maskers.get(f.conv());
            if (m != null) {
                m.target(training && f.mask() != null ? ws.bytes[f.mask().id] : null,
                        training && f.mask() != null ? ws.off[f.mask().id] : 0, ws.off[f.out().id]);
            }
            k.forward(ws.bytes[f.in().id], ws.off[f.in().id], ws.bytes[f.out().id], ws.off[f.out().id], ws.scratch);
        } else if (in instanceof Instr.ConvDwFwd f) {
            ConvDwFused k = (ConvDwFused) prepared.get(f);
            k.forward(ws.bytes[f.in().id], ws.off[f.in().id], ws.bytes[f.plane().id], ws.off[f.plane().id],
                    ws.bytes[f.out().id], ws.off[f.out().id],
                    ws.fusedWork.computeIfAbsent(f, x -> new ConvDwFused.Work(k)));
        } else if (in instanceof Instr.FcFwd f) {
            ((FullyConnectedKernel) prepared.get(f)).forward(ws.bytes[f.in().id], ws.off[f.in().id],
                    ws.bytes[f.out().id], ws.off[f.out().id], ws.scratch);
        } else if (in instanceof Instr.AddFwd a) {
            AddKernel k = (AddKernel) prepared.get(a);
            k.forward(ws.bytes[a.a().id], ws.off[a.a().id], ws.bytes[a.b().id], ws.off[a.b().id],
                    ws.bytes[a.out().id], ws.off[a.out().id]);
            if (training && a.mask() != null) {
                k.mask(ws.bytes[a.a().id], ws.off[a.a().id], ws.bytes[a.b().id], ws.off[a.b().id],
                        ws.bytes[a.mask().id], ws.off[a.mask().id]);
            }
        } else if (in instanceof Instr.PoolFwd p) {
            AvgPoolKernel.forward(p.pool(), ws.bytes[p.in().id], ws.off[p.in().id], ws.bytes[p.out().id],
                    ws.off[p.out().id]);
        } else if (in instanceof Instr.Copy c) {
            System.arraycopy(ws.bytes[c.in().id], ws.off[c.in().id], ws.bytes[c.out().id], ws.off[c.out().id],
                    c.in().elements);
        } else if (in instanceof Instr.SaveChannels s) {
            saveChannels(ws.bytes[s.in().id], ws.off[s.in().id], s.channels(), s.kept(), ws.bytes[s.saved().id],
                    ws.off[s.saved().id], s.saved().elements / s.kept().length);
        } else if (in instanceof Instr.Int8Logits l) {
            byte[] q = ws.bytes[l.in().id];
            int qOff = ws.off[l.in().id];
            float[] f = ws.floats[l.logits().id];
            float scale = l.scale();
            int zero = l.zero();
            for (int i = 0; i < l.logits().elements; i++) {
                f[i] = (float) (q[qOff + i] - zero) * scale;
            }
        } else if (in instanceof Instr.Int8LogitsGrad g) {
            float[] src = ws.floats[g.gLogits().id], dst = ws.floats[g.gOut().id];
            float scale = g.scale();
            for (int i = 0; i < g.gOut().elements; i++) {
                dst[i] = src[i] * scale;
            }
        } else if (in instanceof Instr.HeadFwd h) {
            FloatHead.dequantize(ws.bytes[h.feature().id], ws.off[h.feature().id], h.feature().elements,
                    h.featureScale(), h.featureZero(), ws.feature);
            FloatHead.forward(ws.feature, h.feature().elements, state.floats(h.weight()), state.floats(h.bias()),
                    program.numClasses, ws.floats[h.logits().id], 0);
        } else if (in instanceof Instr.HeadBwd h) {
            // dequantized again from the feature it reads (the same bits as head_fwd's), so no value is carried
            // from head_fwd outside the step's buffers
            FloatHead.dequantize(ws.bytes[h.feature().id], ws.off[h.feature().id], h.feature().elements,
                    h.featureScale(), h.featureZero(), ws.feature);
            FloatHead.backward(ws.floats[h.gLogits().id], 0, ws.feature, h.feature().elements,
                    state.floats(h.weight()), program.numClasses, h.featureScale(), ws.floats[h.gWeight().id],
                    ws.floats[h.gBias().id], h.gFeature() == null ? null : ws.floats[h.gFeature().id], 0);
        } else if (in instanceof Instr.PoolBwd p) {
            float[] dst = p.accumulate() ? ws.tmp : ws.floats[p.gIn().id];
            AvgPoolBackward.inputGrad(p.pool(), ws.floats[p.gOut().id], 0, null, 0, dst, 0);
            if (p.accumulate()) {
                addInto(ws.floats[p.gIn().id], dst, p.gIn().elements);
            }
        } else if (in instanceof Instr.CopyGrad c) {
            if (c.accumulate()) {
                addInto(ws.floats[c.gIn().id], ws.floats[c.gOut().id], c.gIn().elements);
            } else {
                System.arraycopy(ws.floats[c.gOut().id], 0, ws.floats[c.gIn().id], 0, c.gIn().elements);
            }
        } else if (in instanceof Instr.AddBwd a) {
            int n = a.gOut().elements;
            float[] ga = a.gA() == null || a.accA() ? ws.tmp : ws.floats[a.gA().id];
            float[] gb = a.gB() == null || a.accB() ? ws.tmp2 : ws.floats[a.gB().id];
            AddBackward.inputGrads(a.add(), ws.floats[a.gOut().id], 0, ws.bytes[a.mask().id], ws.off[a.mask().id],
                    ga, 0, gb, 0);
            if (a.gA() != null && a.accA()) {
                addInto(ws.floats[a.gA().id], ga, n);
            }
            if (a.gB() != null && a.accB()) {
                addInto(ws.floats[a.gB().id], gb, n);
            }
        } else if (in instanceof Instr.ConvOutGrad g) {
            ConvBackward.outputGrad(g.conv(), ws.floats[g.gOut().id], 0, ws.bytes[g.mask().id], ws.off[g.mask().id],
                    eff.get(g.conv()), ws.floats[g.gAcc().id], 0);
        } else if (in instanceof Instr.ConvBiasGrad g) {
            ConvBackward.biasGrad(g.conv(), ws.floats[g.gAcc().id], 0, ws.floats[g.gBias().id], 0);
        } else if (in instanceof Instr.ConvWeightGrad g) {
            ConvBackward.weightGrad(g.conv(), ws.bytes[g.saved().id], ws.off[g.saved().id], ws.floats[g.gAcc().id], 0,
                    g.trained().partial() ? g.trained().keptChannels : null, ws.floats[g.gWeight().id], 0, ws.work);
        } else if (in instanceof Instr.ConvInputGrad g) {
            float[] dst = g.accumulate() ? ws.tmp : ws.floats[g.gIn().id];
            ConvBackward.inputGrad(g.conv(), inputWeights(ws, g.conv()), ws.floats[g.gAcc().id], 0, dst, 0, ws.work);
            if (g.accumulate()) {
                addInto(ws.floats[g.gIn().id], dst, g.gIn().elements);
            }
        } else if (in instanceof Instr.Update u) {
            state.applySample(paramIndex.get(u.param()), ws.floats[u.param().grad.id], learningRate(ws, in));
        } else if (in instanceof Instr.ConvWeightUpdate f) {
            float lr = learningRate(ws, in);
            int index = paramIndex.get(f.param());
            int rows = f.param().value.elements / f.param().rowLength;
            int[] kept = f.trained().partial() ? f.trained().keptChannels : null;
            float[] chunk = ws.floats[f.rows().id];
            byte[] saved = ws.bytes[f.saved().id];
            int savedOff = ws.off[f.saved().id];
            float[] gAcc = ws.floats[f.gAcc().id];
            for (int r = 0; r < rows; r += f.rowsPerChunk()) {
                int k = Math.min(f.rowsPerChunk(), rows - r);
                WeightGradRows.compute(f.conv(), saved, savedOff, gAcc, 0, kept, r, k, chunk, 0);
                state.applySampleRows(index, chunk, 0, r, k, lr);
            }
        } else {
            throw new IllegalStateException("no executor rule for " + in.op());
        }
    }

    private static float learningRate(Workspace ws, Instr in) {
        if (Float.isNaN(ws.lr)) {
            throw new IllegalStateException("instruction " + in.op() + " updates in place: run the step with a "
                    + "learning rate");
        }
        return ws.lr;
    }

    /** {@code dst[i] = dst[i] + src[i]}: the one accumulation order of a gradient with several consumers. */
    static void addInto(float[] dst, float[] src, int n) {
        for (int i = 0; i < n; i++) {
            dst[i] = dst[i] + src[i];
        }
    }

    static void saveChannels(byte[] in, int inOff, int channels, int[] kept, byte[] saved, int savedOff,
            int pixels) {
        int k = kept.length;
        for (int p = 0; p < pixels; p++) {
            int src = inOff + p * channels, dst = savedOff + p * k;
            for (int j = 0; j < k; j++) {
                saved[dst + j] = in[src + kept[j]];
            }
        }
    }
}
