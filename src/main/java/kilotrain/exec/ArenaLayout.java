package kilotrain.exec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import kilotrain.KtException;
import kilotrain.compiler.memory.ArenaPlan;
import kilotrain.compiler.memory.Block;
import kilotrain.ir.DType;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;
import kilotrain.program.Program;

/**
 * Every transient buffer of a step at its planned offset in one byte arena, as the generated C lays them out
 * ({@code KT_BUF(type, offset)}). int8 buffers and bit masks are handed to the kernels as (arena, offset). A float32
 * buffer cannot alias a byte[] in Java, so around each instruction its float32 buffers are staged: decoded from the
 * arena (little-endian IEEE bits, as on the device) into a per-buffer float array that was first poisoned, and the
 * ones it writes encoded back after it. Nothing outside the arena carries a value from one instruction to the next,
 * so running a step this way gives the unplanned results only if the plan is right.
 */
public final class ArenaLayout {
    /** Fills the arena at the start of every step: a read of a byte nobody wrote this step sees it. */
    static final byte POISON_BYTE = 0x5A;
    /** Fills every staging float array before each instruction (a quiet NaN with a recognisable payload). */
    static final float POISON_FLOAT = Float.intBitsToFloat(0x7FC5A5A5);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    final Program program;
    final int arenaBytes;
    /** Byte offset in the arena by buffer id; -1 for persistent buffers and buffers the step does not touch. */
    final int[] offset;
    /** Per instruction of {@code program.step}: ids of the transient float32 buffers it reads, writes, and either. */
    final int[][] floatReads, floatWrites, floatTouched;

    private ArenaLayout(Program program, int arenaBytes, int[] offset, int[][] floatReads, int[][] floatWrites,
            int[][] floatTouched) {
        this.program = program;
        this.arenaBytes = arenaBytes;
        this.offset = offset;
        this.floatReads = floatReads;
        this.floatWrites = floatWrites;
        this.floatTouched = floatTouched;
    }

    /**
     * The layout of {@code plan} for {@code program}'s step. Rejects a plan that leaves a transient buffer of the step
     * without a place, misaligns it or puts it past the arena's end; whether buffers live at the same time overlap is
     * what running the step from the arena shows.
     */
    public static ArenaLayout of(Program program, ArenaPlan plan) {
        if (plan.arenaBytes() > Integer.MAX_VALUE - 8) {
            throw new KtException("arena plan: " + plan.arenaBytes() + " bytes do not fit one Java array");
        }
        int ids = 0;
        for (Buf b : program.bufs) {
            ids = Math.max(ids, b.id + 1);
        }
        int[] offset = new int[ids];
        Arrays.fill(offset, -1);
        for (Block k : plan.blocks()) {
            for (Buf b : k.members()) {
                if (b.id < ids && program.bufs.contains(b)) {
                    offset[b.id] = plan.offset()[k.index()];
                }
            }
        }
        int arena = (int) plan.arenaBytes();
        for (Buf b : transientBufs(program)) {
            if (b.kind != Buf.Kind.MASK && b.dtype != DType.INT8 && b.dtype != DType.FLOAT32) {
                throw new KtException("arena plan: transient buffer '" + b.name + "' is " + b.dtype
                        + "; the executor stores only int8, bit-mask and float32 buffers");
            }
            int o = offset[b.id];
            if (o < 0) {
                throw new KtException("arena plan: no offset for buffer '" + b.name + "', which the step uses");
            }
            if (o % Block.alignOf(b) != 0) {
                throw new KtException("arena plan: buffer '" + b.name + "' at offset " + o + " is not "
                        + Block.alignOf(b) + "-byte aligned");
            }
            if ((long) o + b.bytes() > arena) {
                throw new KtException("arena plan: buffer '" + b.name + "' at offset " + o + " (" + b.bytes()
                        + " bytes) ends past the " + arena + "-byte arena");
            }
        }
        int n = program.step.size();
        int[][] reads = new int[n][], writes = new int[n][], touched = new int[n][];
        for (int i = 0; i < n; i++) {
            Instr in = program.step.get(i);
            reads[i] = floatIds(in.reads());
            writes[i] = floatIds(in.writes());
            List<Buf> both = new ArrayList<>(in.reads());
            both.addAll(in.writes());
            touched[i] = floatIds(both);
        }
        return new ArenaLayout(program, arena, offset, reads, writes, touched);
    }

    public int arenaBytes() {
        return arenaBytes;
    }

    /** The planned offset of a transient buffer. */
    public int offsetOf(Buf b) {
        return offset[b.id];
    }

    /** Transient buffers the step touches: the input, logits, loss and everything an instruction reads or writes. */
    static Set<Buf> transientBufs(Program p) {
        Set<Buf> out = new LinkedHashSet<>();
        for (Buf b : new Buf[] {p.input, p.logits, p.loss}) {
            if (b != null) {
                out.add(b);
            }
        }
        for (Instr in : p.step) {
            out.addAll(in.reads());
            out.addAll(in.writes());
        }
        out.removeIf(b -> b.kind.persistent);
        return out;
    }

    private static int[] floatIds(List<Buf> bufs) {
        return bufs.stream().filter(b -> !b.kind.persistent && b.kind != Buf.Kind.MASK && b.dtype == DType.FLOAT32)
                .mapToInt(b -> b.id).distinct().toArray();
    }

    /** {@code dst[0..n)} = the floats stored little-endian at {@code arena[off..off + 4n)}, bit for bit. */
    static void decode(byte[] arena, int off, float[] dst, int n) {
        for (int i = 0; i < n; i++) {
            dst[i] = Float.intBitsToFloat((int) INT_LE.get(arena, off + 4 * i));
        }
    }

    /** The inverse of {@link #decode}: raw IEEE bits (NaN payloads included), little-endian. */
    static void encode(float[] src, int n, byte[] arena, int off) {
        for (int i = 0; i < n; i++) {
            INT_LE.set(arena, off + 4 * i, Float.floatToRawIntBits(src[i]));
        }
    }
}
