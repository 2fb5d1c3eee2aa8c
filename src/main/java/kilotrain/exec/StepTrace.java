package kilotrain.exec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.Param;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import kilotrain.util.AtomicFiles;

/**
 * Golden vectors of one real training step: for each chosen instruction of the Java executor's step, in step order,
 * the bytes it reads before it runs and the bytes it writes after. A record holds, before: every buffer the
 * instruction reads, the prior bytes of every buffer it only writes (a kernel that writes part of a buffer, or adds
 * into it, starts from them), every trained parameter's value and optimizer state (momentum velocity, float master
 * copy, stochastic-rounding generator: what the update rules read), the label or targets, the learning rate and the
 * loss so far; after: every buffer it writes that the rest of the step reads (its results included), the value and
 * optimizer state of the parameter it updates, the loss.
 * Records go to a sink one at a time ({@link #write} streams them into a file), so a whole MCUNet step needs no more
 * memory than one record. {@code kilotrain.device.InstrReplay} replays records in the generated C.
 *
 * <p>File format (little-endian): {@code "KTTR"}, u32 version 1; per record u32 {@code 0x31434552} ("REC1"),
 * i32 instruction index, i32 label, f32 lr, f32 loss before, f32 loss after, u32 n + n f32 targets, u32 n + n input
 * sections, u32 n + n output sections; a section is u32 kind ({@link Kind} ordinal), i32 id (buffer id or parameter
 * index), u32 element type (ASCII of {@link Section#type}), u32 byte count, the bytes; the file ends with u32
 * {@code 0x20444E45} ("END ").
 */
public final class StepTrace {
    private StepTrace() {
    }

    /** What a section holds: a transient buffer (by id), or a parameter's value or optimizer state (by index). */
    public enum Kind { BUF, PARAM, VELOCITY, SHADOW, RNG }

    /**
     * Bytes of one buffer or parameter state, as the generated C stores them (int8, packed mask bits, int32 / float32
     * / uint32 little-endian). {@code type}: 'b' int8, 'm' mask byte, 'i' int32, 'f' float32, 'u' uint32.
     */
    public record Section(Kind kind, int id, char type, byte[] data) {
        public int elementBytes() {
            return type == 'b' || type == 'm' ? 1 : 4;
        }
    }

    /** One instruction of the step: its index in the step, the inputs it saw and the outputs it left. */
    public record Record(int index, Instr instr, int label, float[] targets, float lr, float lossBefore,
            float lossAfter, List<Section> in, List<Section> out) {
    }

    public static final int MAGIC = 0x5254544B, VERSION = 1, RECORD = 0x31434552, END = 0x20444E45;

    /**
     * Runs one step of {@code ex} in {@code ws} (a classification step: {@code targets} null; a regression step:
     * the sample's targets) with learning rate {@code lr} (NaN: a program without in-step updates) and passes the
     * record of every instruction index {@code which} accepts to {@code sink}, in step order. Returns the loss.
     */
    public static float record(TrainExecutor ex, TrainExecutor.Workspace ws, byte[] input, int label, float[] targets,
            float lr, IntPredicate which, Consumer<Record> sink) {
        Program p = ex.program();
        TrainState st = ex.state();
        Map<Buf, Integer> lastUse = lastUse(p);
        List<Section>[] pending = newInputs();
        float[] lossBefore = {Float.NaN};
        ws.before = i -> {
            if (which.test(i)) {
                pending[0] = inputs(p, st, ws, p.step.get(i));
                lossBefore[0] = ws.loss;
            }
        };
        ws.trace = i -> {
            if (which.test(i)) {
                Instr in = p.step.get(i);
                sink.accept(new Record(i, in, ws.label, ws.targets == null ? null : ws.targets.clone(), ws.lr,
                        lossBefore[0], ws.loss, pending[0], outputs(p, st, ws, in, i, lastUse)));
            }
        };
        try {
            return ex.step(ws, input, label, targets, lr);
        } finally {
            ws.before = null;
            ws.trace = null;
        }
    }

    /** The records of one classification step's chosen instructions, in memory. */
    public static List<Record> record(TrainExecutor ex, TrainExecutor.Workspace ws, byte[] input, int label, float lr,
            IntPredicate which) {
        List<Record> out = new ArrayList<>();
        record(ex, ws, input, label, null, lr, which, out::add);
        return out;
    }

    /** Streams the records of one step's chosen instructions into {@code file} (written atomically); returns the count. */
    public static int write(Path file, TrainExecutor ex, TrainExecutor.Workspace ws, byte[] input, int label,
            float[] targets, float lr, IntPredicate which) {
        int[] n = {0};
        AtomicFiles.write(file, out -> {
            header(out);
            record(ex, ws, input, label, targets, lr, which, r -> {
                try {
                    write(out, r);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                n[0]++;
            });
            end(out);
        });
        return n[0];
    }

    /** Writes records already in memory into {@code file} (written atomically). */
    public static void write(Path file, List<Record> records) {
        AtomicFiles.write(file, out -> {
            header(out);
            for (Record r : records) {
                write(out, r);
            }
            end(out);
        });
    }

    @SuppressWarnings("unchecked")
    private static List<Section>[] newInputs() {
        return new List[1];
    }

    private static List<Section> inputs(Program p, TrainState st, TrainExecutor.Workspace ws, Instr in) {
        List<Section> out = new ArrayList<>();
        Set<Buf> reads = Collections.newSetFromMap(new IdentityHashMap<>());
        reads.addAll(in.reads());
        // prior bytes of what it only writes first: a replay sets them before the reads, so where a destination
        // shares bytes with a source (in place), the source's bytes are what the instruction sees
        for (Buf b : in.writes()) {
            if (!b.kind.persistent && !reads.contains(b)) {
                out.add(buf(ws, b));
            }
        }
        for (Buf b : in.reads()) {
            if (!b.kind.persistent) {
                out.add(buf(ws, b));
            }
        }
        for (int i = 0; i < p.params.size(); i++) {
            addParam(out, st, p.params.get(i), i);
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The last instruction of the step that reads each transient buffer; the step's results (logits, loss) and the
     * gradients of parameters no instruction updates (the step's trailing updates read them) count as read at the end.
     */
    private static Map<Buf, Integer> lastUse(Program p) {
        Map<Buf, Integer> last = new IdentityHashMap<>();
        for (int i = 0; i < p.step.size(); i++) {
            for (Buf b : p.step.get(i).reads()) {
                last.put(b, i);
            }
        }
        Set<Param> updated = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Instr in : p.step) {
            if (in.updatedParam() != null) {
                updated.add(in.updatedParam());
            }
        }
        List<Buf> results = new ArrayList<>();
        results.add(p.logits);
        results.add(p.loss);
        for (Param q : p.params) {
            if (!updated.contains(q)) {
                results.add(q.grad);
            }
        }
        for (Buf b : results) {
            if (b != null) {
                last.put(b, p.step.size());
            }
        }
        return last;
    }

    /**
     * What instruction i leaves that the rest of the step can see: the buffers it writes that a later instruction
     * reads (or that are the step's results), and the value and optimizer state of the parameter it updates. A
     * scratch buffer it writes that nothing reads afterwards (e.g. a fused update's gradient rows) is not compared.
     */
    private static List<Section> outputs(Program p, TrainState st, TrainExecutor.Workspace ws, Instr in, int i,
            Map<Buf, Integer> lastUse) {
        List<Section> out = new ArrayList<>();
        for (Buf b : in.writes()) {
            if (!b.kind.persistent && lastUse.getOrDefault(b, -1) > i) {
                out.add(buf(ws, b));
            }
        }
        Set<Param> done = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Buf b : in.writes()) {
            if (b.kind.persistent) {
                Param q = owner(p, b);
                if (done.add(q)) {
                    addParam(out, st, q, p.params.indexOf(q));
                }
            }
        }
        Param u = in.updatedParam();
        if (u != null && done.add(u)) {
            addParam(out, st, u, p.params.indexOf(u));
        }
        return Collections.unmodifiableList(out);
    }

    private static Param owner(Program p, Buf b) {
        for (Param q : p.params) {
            if (q.value == b) {
                return q;
            }
        }
        throw new IllegalStateException("persistent buffer " + b + " belongs to no parameter");
    }

    private static Section buf(TrainExecutor.Workspace ws, Buf b) {
        if (b.kind == Buf.Kind.MASK) {
            return new Section(Kind.BUF, b.id, 'm', ws.bytes(b).clone());
        }
        return switch (b.dtype) {
            case INT8 -> new Section(Kind.BUF, b.id, 'b', ws.bytes(b).clone());
            case FLOAT32 -> new Section(Kind.BUF, b.id, 'f', floats(ws.floats(b), b.elements));
            default -> throw new IllegalStateException("the executor keeps no " + b.dtype + " buffer: " + b);
        };
    }

    private static void addParam(List<Section> out, TrainState st, Param q, int i) {
        Object v = st.value(q);
        if (v instanceof byte[] b) {
            out.add(new Section(Kind.PARAM, i, 'b', b));
        } else if (v instanceof int[] a) {
            ByteBuffer bb = le(4 * a.length);
            for (int x : a) {
                bb.putInt(x);
            }
            out.add(new Section(Kind.PARAM, i, 'i', bb.array()));
        } else {
            float[] f = (float[]) v;
            out.add(new Section(Kind.PARAM, i, 'f', floats(f, f.length)));
        }
        float[] vel = st.velocity(i);
        if (vel != null) {
            out.add(new Section(Kind.VELOCITY, i, 'f', floats(vel, vel.length)));
        }
        float[] shadow = st.shadow(i);
        if (shadow != null) {
            out.add(new Section(Kind.SHADOW, i, 'f', floats(shadow, shadow.length)));
        }
        if (st.stochastic(i)) {
            out.add(new Section(Kind.RNG, i, 'u', le(4).putInt(st.rngState(i)).array()));
        }
    }

    private static byte[] floats(float[] f, int n) {
        ByteBuffer bb = le(4 * n);
        for (int i = 0; i < n; i++) {
            bb.putInt(Float.floatToRawIntBits(f[i]));
        }
        return bb.array();
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void header(OutputStream out) throws IOException {
        out.write(le(8).putInt(MAGIC).putInt(VERSION).array());
    }

    private static void end(OutputStream out) throws IOException {
        out.write(le(4).putInt(END).array());
    }

    private static void write(OutputStream out, Record r) throws IOException {
        float[] t = r.targets() == null ? new float[0] : r.targets();
        ByteBuffer h = le(28 + 4 * t.length);
        h.putInt(RECORD).putInt(r.index()).putInt(r.label()).putInt(Float.floatToRawIntBits(r.lr()))
                .putInt(Float.floatToRawIntBits(r.lossBefore())).putInt(Float.floatToRawIntBits(r.lossAfter()))
                .putInt(t.length);
        for (float x : t) {
            h.putInt(Float.floatToRawIntBits(x));
        }
        out.write(h.array());
        sections(out, r.in());
        sections(out, r.out());
    }

    private static void sections(OutputStream out, List<Section> s) throws IOException {
        out.write(le(4).putInt(s.size()).array());
        for (Section x : s) {
            out.write(le(16).putInt(x.kind().ordinal()).putInt(x.id()).putInt(x.type()).putInt(x.data().length)
                    .array());
            out.write(x.data());
        }
    }
}
