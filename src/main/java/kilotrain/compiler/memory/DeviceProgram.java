package kilotrain.compiler.memory;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import kilotrain.ir.Op;
import kilotrain.ir.Tensor;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.Param;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.Program;
import kilotrain.program.TrainState;

/**
 * The training step as the device runs it, one value: the compiler's program, the device's program (its step in the
 * device's order, fused instructions included), the arena plan of that step, the update rules and the learning rate,
 * the memory it needs and the stage log of the {@link DevicePipeline} that made it. The C generator, the device
 * runs, {@code compile}'s reports and the scheme planner all read it, so memory is counted one way.
 *
 * <p>SRAM = planned arena (every transient buffer, the input image included) + trainable parameters (only the trained
 * slices: int8 weights, int32 biases, the float head) + optimizer state (float per trained element with momentum) +
 * float32 master copies of the trained conv weights / biases when their update rule keeps one (FLOAT_SHADOW). Flash =
 * the weights and biases of every operator the step runs + the initial float head. The device program's own static
 * memory (kernel scratch, runtime state, stack reserve, code) is counted from the generated C on top of these
 * ({@code kilotrain.device.DeviceFootprint}, which reads the same arena size and parameter slices).
 */
public final class DeviceProgram {
    /** The compiler's program the passes started from (its parameters are the device's). */
    public final Program compiled;
    /** The final stage: the device's program, step order and arena plan. */
    private final Variant device;
    /**
     * The planned stages, the last being the device's ({@link DevicePipeline.Settings#planStages}: every comparison
     * stage, else only the last).
     */
    public final List<Variant> variants;
    /** One line per pass. */
    public final List<DevicePipeline.Stage> log;
    public final TrainState.Options options;
    public final float lr;
    public final long trainableBytes, optimizerBytes, shadowBytes, flashBytes, inputBytes;

    DeviceProgram(Program compiled, Variant device, List<Variant> variants, List<DevicePipeline.Stage> log,
            TrainState.Options options, float lr) {
        this.compiled = compiled;
        this.device = device;
        this.variants = List.copyOf(variants);
        this.log = List.copyOf(log);
        this.options = options;
        this.lr = lr;
        Program p = device.program();
        long[] out = outsideArena(p, options);
        this.trainableBytes = out[0];
        this.optimizerBytes = out[1];
        this.shadowBytes = out[2];
        this.flashBytes = flash(p);
        this.inputBytes = p.input.bytes();
    }

    /** The device's step in the order it runs. */
    public List<Instr> step() {
        return device.step();
    }

    public ArenaPlan plan() {
        return device.plan();
    }

    /** The device's program: its buffers (fused planes, weight-gradient rows) and its step in the device's order. */
    public Program program() {
        return device.program().withStep(device.step());
    }

    /** The final stage with its liveness and plan (the memory report's timeline). */
    public Variant best() {
        return device;
    }

    public Variant variant(String name) {
        for (Variant v : variants) {
            if (v.name().equals(name)) {
                return v;
            }
        }
        throw new IllegalArgumentException(name + " is not a planned stage of " + variants.stream()
                .map(Variant::name).toList());
    }

    public long arenaBytes() {
        return device.plan().arenaBytes();
    }

    /** SRAM of the device's step: arena + trainable parameters + optimizer state + float master copies. */
    public long sramBytes() {
        return sramTotal(device);
    }

    public long sramTotal(Variant v) {
        return v.plan().arenaBytes() + outsideArenaBytes();
    }

    /** Trained parameters, optimizer state and float master copies (exactly additive to the arena). */
    public long outsideArenaBytes() {
        return trainableBytes + optimizerBytes + shadowBytes;
    }

    /** The stage log, one line per pass, as {@code compile --print} and {@code --memory-report} show it. */
    public String stageLog() {
        StringBuilder s = new StringBuilder("lowering (pass: instructions, largest live sum, planned arena; what it "
                + "changed)\n");
        for (DevicePipeline.Stage st : log) {
            s.append(String.format("  %-21s %5d instr  peak %,9d B  %s  %s%n", st.pass(), st.instructions(),
                    st.peakBytes(), st.planned() ? String.format("arena %,9d B", st.arenaBytes()) : "               ",
                    st.change()));
        }
        return s.toString();
    }

    /**
     * What the step keeps in SRAM besides the arena: {trainable parameter bytes (trained slices, head), optimizer
     * state (4 bytes per trained element with momentum), float master copies (4 bytes per shadowed element)}.
     */
    static long[] outsideArena(Program p, TrainState.Options options) {
        boolean momentum = options.momentum() != 0f;
        boolean weightShadow = options.weightRule() == WeightRounding.FLOAT_SHADOW;
        boolean biasShadow = options.biasRule() == BiasRounding.FLOAT_SHADOW;
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
}
