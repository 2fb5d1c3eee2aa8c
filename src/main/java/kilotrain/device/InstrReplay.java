package kilotrain.device;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import kilotrain.KtException;
import kilotrain.codegen.CGenerator;
import kilotrain.compiler.memory.ArenaPlan;
import kilotrain.compiler.memory.Variant;
import kilotrain.exec.StepTrace;
import kilotrain.exec.TrainExecutor;
import kilotrain.ir.DType;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.Param;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import kilotrain.util.AtomicFiles;

/**
 * Per-instruction golden vectors: replays records of a Java training step ({@link StepTrace}) in the generated C,
 * one instruction at a time, on the host (gcc) or on a board in QEMU, and compares every output bit for bit. The
 * harness ({@code kt_replay_main.c}) is the generated model's own C (the same statements, tables, kernels and
 * planned arena offsets, {@link CGenerator#generateReplay}) with a main that sets each record's inputs, runs that
 * one statement and reports the first differing element of each output; it is built once per program and target
 * and replays any records of that program's step.
 *
 * <pre>
 * InstrReplay.check(program, state, input, label, lr, i -> program.step.get(i) instanceof ConvFwd, dir,
 *         InstrReplay.Target.HOST, InstrReplay.Target.QEMU);
 * </pre>
 */
public final class InstrReplay {
    public enum Target { HOST, QEMU }

    /** The C files the harness is built from besides the generated model. */
    private static final List<String> MODEL_C = List.of("kt_model.c", "kt_kernels.c", "kt_rows.c", "kt_fused.c");
    private static final List<String> WARN = List.of("-std=c99", "-Wall", "-Wextra", "-Werror", "-ffp-contract=off",
            "-fno-fast-math", "-fno-strict-aliasing", "-O2");
    private static final long TIMEOUT = 600;

    private final Program program;
    private final List<Instr> order;
    private final Board board;
    private final Path dir;
    private final Map<Target, Double> built = new EnumMap<>(Target.class);

    private InstrReplay(Program program, List<Instr> order, Board board, Path dir) {
        this.program = program;
        this.order = order;
        this.board = board;
        this.dir = dir;
    }

    /**
     * The harness of {@code order} (the step the trace was recorded from; instruction index i of a record is
     * {@code order.get(i)}) with every transient buffer at its offset in {@code plan} (null: one array per buffer),
     * written into {@code dir}; {@code board} is the QEMU board of {@link Target#QEMU}. The C is generated now, each
     * target is built on its first replay.
     */
    public static InstrReplay build(Program program, List<Instr> order, ArenaPlan plan, TrainState state, float lr,
            Board board, Path dir) {
        if (board.qemuMachine() == null) {
            throw new KtException("instruction replay: board " + board.name() + " has no QEMU model; use one of "
                    + Board.ALL.stream().filter(b -> b.qemuMachine() != null).map(Board::name).toList());
        }
        CGenerator.generateReplay(program, order, plan, state, Float.isNaN(lr) ? 0.0f : lr, dir);
        for (String f : List.of("kt_replay_main.c", "kt_check.h", "kt_print.h", "kt_cm7_startup.c", "kt_cm7.h")) {
            AtomicFiles.writeString(dir.resolve(f), CGenerator.resource(f));
        }
        AtomicFiles.writeString(dir.resolve("kt_board.ld"), board.linkerScript());
        return new InstrReplay(program, order, board, dir);
    }

    /**
     * Records one step of {@code program}'s own step order (no arena plan; {@code state} is the program's) and replays the instructions {@code which}
     * accepts on each target; throws a {@link KtException} naming every divergence. Returns the results.
     */
    public static List<Result> check(Program program, TrainState state, byte[] input, int label, float lr,
            IntPredicate which, Path dir, Target... targets) {
        return check(program, state.program(), program.step, null, state, input, label, lr, which, dir, targets);
    }

    /**
     * The same for a device form of the step: {@code v}'s order (e.g. with in-place updates, which need a learning
     * rate) with the Java executor and the C both in {@code v}'s planned arena.
     */
    public static List<Result> check(Variant v, TrainState state, byte[] input, int label, float lr,
            IntPredicate which, Path dir, Target... targets) {
        return check(v.program().withStep(v.step()), state.program(), v.step(), v.plan(), state, input, label, lr,
                which, dir, targets);
    }

    private static List<Result> check(Program stepped, Program program, List<Instr> order, ArenaPlan plan,
            TrainState state, byte[] input, int label, float lr, IntPredicate which, Path dir, Target... targets) {
        TrainExecutor ex = new TrainExecutor(stepped, state);
        TrainExecutor.Workspace ws = plan == null ? ex.workspace() : ex.arenaWorkspace(plan);
        Path trace = dir.resolve("kt_trace.bin");
        int n = StepTrace.write(trace, ex, ws, input, label, null, lr, which);
        if (n == 0) {
            throw new KtException("instruction replay: no instruction of the step was chosen");
        }
        InstrReplay h = build(program, order, plan, state, lr, Board.DEFAULT, dir);
        List<Result> out = new ArrayList<>();
        for (Target t : targets) {
            Result r = h.replay(trace, t);
            r.assertOk();
            if (r.records != n) {
                throw new KtException("instruction replay on " + t + ": " + r.records + " records replayed of " + n);
            }
            out.add(r);
        }
        return out;
    }

    /** Replays records held in memory (written to the harness's folder first). */
    public Result replay(List<StepTrace.Record> records, Target target) {
        Path trace = dir.resolve("kt_trace.bin");
        StepTrace.write(trace, records);
        return replay(trace, target);
    }

    /** Replays every record of a trace file written by {@link StepTrace#write}. */
    public Result replay(Path trace, Target target) {
        double buildSeconds = ensureBuilt(target);
        Path local = dir.resolve("kt_trace.bin");
        try {
            if (!Files.exists(local) || !Files.isSameFile(trace, local)) {
                Files.copy(trace, local, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (java.io.IOException e) {
            throw new KtException("instruction replay: cannot copy " + trace + " into " + dir + ": " + e.getMessage());
        }
        long t0 = System.nanoTime();
        String out = target == Target.HOST
                ? DeviceBench.exec(dir, List.of("./kt_replay", "kt_trace.bin"), TIMEOUT, "instruction replay (host)")
                : DeviceBench.exec(dir, List.of("qemu-system-arm", "-M", board.qemuMachine(), "-nographic",
                        "-semihosting-config", "enable=on,target=native", "-kernel", "kt_replay.elf"), TIMEOUT,
                        "instruction replay (" + board.name() + " in QEMU)");
        double seconds = (System.nanoTime() - t0) / 1e9;
        return parse(out, target, seconds, buildSeconds);
    }

    private double ensureBuilt(Target target) {
        Double known = built.get(target);
        if (known != null) {
            return 0;
        }
        long t0 = System.nanoTime();
        List<String> cmd = new ArrayList<>();
        if (target == Target.HOST) {
            require("gcc");
            cmd.add("gcc");
            cmd.addAll(WARN);
            cmd.addAll(List.of("-o", "kt_replay", "kt_replay_main.c"));
            cmd.addAll(MODEL_C);
        } else {
            require("arm-none-eabi-gcc");
            require("qemu-system-arm");
            cmd.add("arm-none-eabi-gcc");
            cmd.addAll(WARN);
            cmd.addAll(List.of(board.cpuFlags().split(" ")));
            cmd.addAll(List.of("-mthumb", "-mfloat-abi=hard", "-ffunction-sections", "-fdata-sections",
                    "-DKT_ON_DEVICE", "-T", "kt_board.ld", "-nostartfiles", "--specs=nano.specs",
                    "-Wl,--gc-sections", "-o", "kt_replay.elf", "kt_replay_main.c", "kt_cm7_startup.c"));
            cmd.addAll(MODEL_C);
            cmd.addAll(List.of("-lc", "-lgcc"));
        }
        DeviceBench.exec(dir, cmd, TIMEOUT, "building the instruction replay (" + target + ")");
        double s = (System.nanoTime() - t0) / 1e9;
        built.put(target, s);
        return s;
    }

    private static void require(String tool) {
        if (!DeviceBench.onPath(tool)) {
            throw new KtException("instruction replay needs " + tool + " on the PATH (apt-get install gcc "
                    + "gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)");
        }
    }

    private Result parse(String out, Target target, double seconds, double buildSeconds) {
        List<Divergence> diffs = new ArrayList<>();
        int records = -1;
        for (String line : out.split("\n")) {
            String[] t = line.trim().split(" ");
            if (t[0].equals("diff") && t.length == 7) {
                diffs.add(divergence(Integer.parseInt(t[1]), Integer.parseInt(t[2]), Integer.parseInt(t[3]),
                        Integer.parseInt(t[4]), Integer.parseUnsignedInt(t[5], 16), Integer.parseUnsignedInt(t[6], 16)));
            } else if (t[0].equals("replay-done") && t.length == 3) {
                records = Integer.parseInt(t[1]);
            } else if (t[0].equals("error")) {
                throw new KtException("instruction replay (" + target + "): " + line.trim());
            }
        }
        if (records < 0) {
            throw new KtException("instruction replay (" + target + ") ended without its summary:\n"
                    + DeviceBench.tail(out));
        }
        return new Result(target, records, diffs, seconds, buildSeconds);
    }

    private Divergence divergence(int index, int kind, int id, int element, int expected, int actual) {
        Instr in = order.get(index);
        String pkg = in.getClass().getPackageName();
        String folder = pkg.substring(pkg.lastIndexOf('.') + 1);
        String what;
        char type;
        if (kind == 5) {
            what = "loss";
            type = 'f';
        } else if (kind == StepTrace.Kind.BUF.ordinal()) {
            Buf b = bufById(id);
            what = b.toString();
            type = b.kind == Buf.Kind.MASK ? 'm' : b.dtype == DType.INT8 ? 'b' : 'f';
        } else {
            Param p = program.params.get(id);
            StepTrace.Kind k = StepTrace.Kind.values()[kind];
            what = switch (k) {
                case PARAM -> "parameter " + p.name;
                case VELOCITY -> "velocity of " + p.name;
                case SHADOW -> "float master copy of " + p.name;
                default -> "rounding generator of " + p.name;
            };
            type = k == StepTrace.Kind.RNG ? 'u' : k != StepTrace.Kind.PARAM || p.value.dtype == DType.FLOAT32 ? 'f'
                    : p.value.dtype == DType.INT32 ? 'i' : 'b';
        }
        return new Divergence(index, in.op(), folder, what, element, value(type, expected), value(type, actual));
    }

    private Buf bufById(int id) {
        for (Instr in : order) {
            for (List<Buf> l : List.of(in.reads(), in.writes())) {
                for (Buf b : l) {
                    if (b.id == id) {
                        return b;
                    }
                }
            }
        }
        throw new KtException("instruction replay: the trace names buffer " + id + ", the program has none");
    }

    private static String value(char type, int bits) {
        return switch (type) {
            case 'b' -> Integer.toString((byte) bits);
            case 'm' -> String.format("0x%02x", bits & 0xFF);
            case 'i' -> Integer.toString(bits);
            case 'f' -> Float.intBitsToFloat(bits) + String.format(" (0x%08x)", bits);
            default -> String.format("0x%08x", bits);
        };
    }

    /** The first element of one output where the C differs from the Java executor. */
    public record Divergence(int index, String op, String folder, String buffer, int element, String expected,
            String actual) {
        @Override
        public String toString() {
            return "instruction " + index + " " + op + " (ops/" + folder + "): " + buffer + " element " + element
                    + ": expected " + expected + ", C " + actual;
        }
    }

    /** What one replay did: records replayed, divergences, seconds of the run and of the build it needed first. */
    public record Result(Target target, int records, List<Divergence> divergences, double seconds,
            double buildSeconds) {
        public boolean ok() {
            return divergences.isEmpty();
        }

        /** Throws a {@link KtException} listing every divergence (nothing when the C equals Java bit for bit). */
        public void assertOk() {
            if (!ok()) {
                StringBuilder sb = new StringBuilder("instruction replay on " + target + ": " + divergences.size()
                        + " output(s) of " + records + " instruction(s) differ from the Java executor:");
                for (Divergence d : divergences) {
                    sb.append("\n  ").append(d);
                }
                throw new KtException(sb.toString());
            }
        }
    }
}
