package kilotrain.ops.core;

import java.util.ArrayList;
import java.util.List;
import kilotrain.ir.Op;

/**
 * One operation of the compiled training step. Every instruction names the buffers it reads and writes, so
 * lifetime analysis, reordering and memory planning need nothing else. Every consumer of instructions goes through
 * the abstract methods below, so an instruction kind that one of them does not handle does not compile: the Java
 * executor binds each instruction once ({@link #bind}) and runs the bound steps, the C generator asks each for its
 * statement ({@link #emitC}), and the memory passes ask for the updated parameter, the constant tensors and the
 * in-place candidate. Each operator's instructions live in its folder {@code kilotrain.ops.<op>}.
 */
public interface Instr {

    List<Buf> reads();

    List<Buf> writes();

    /** Short operation name as {@code compile --print} shows it. */
    String op();

    /** This instruction bound to its kernels and parameters for the Java executor: done once, run many times. */
    JavaStep bind(JavaBinder b);

    /** Its C statement; {@code training} false is the inference pass (no masks recorded). */
    String emitC(CEmitter e, boolean training);

    /** The parameter this instruction updates in place (batch 1), or null. */
    Param updatedParam();

    /** The operators whose constant tensors (weights, biases, in flash) this forward instruction runs. */
    List<Op> constOps();

    /**
     * The (source, destination) pair this instruction could write over one another, or null: an elementwise operator
     * whose output element i depends only on input element i, read before it is written, of the same size; or an
     * in-place kernel ({@link #inPlaceKernel}) whose kernel is alias-safe with the smaller of the two at the start of
     * the larger. The memory planner shares them when the source dies here.
     */
    default Buf[] inPlace() {
        return null;
    }

    // ---- rewrite hooks of the memory passes (kilotrain.compiler.memory: Reorder, BlockFusion). The passes know no
    // instruction kind: an operator that offers a rewrite overrides the hook in its own folder.

    /**
     * Whether the reorder pass runs this instruction as early as its inputs allow (a parameter's gradient that frees
     * its inputs, an update). Default: an instruction that updates a parameter.
     */
    default boolean eager() {
        return updatedParam() != null;
    }

    /**
     * The key of an order choice the reorder pass searches, or null: instructions with a key run early or late as a
     * group (a conv's weight gradient before or after its input gradient), and the pass keeps, per key, the choice
     * with the lower peak.
     */
    default Object orderChoice() {
        return null;
    }

    /**
     * The gradient this instruction writes that it could compute row by row together with the parameter's update
     * ({@link #withRowUpdate}), or null.
     */
    default Buf rowGradient() {
        return null;
    }

    /**
     * This instruction fused with the update of {@code q} (whose gradient is {@link #rowGradient}): the gradient is
     * computed {@code rowsPerChunk} rows at a time into {@code rows} and applied at once, so it never exists whole.
     */
    default Instr withRowUpdate(Param q, Buf rows, int rowsPerChunk) {
        throw new UnsupportedOperationException(op() + " has no row-wise update");
    }

    /**
     * For a fused row update ({@link #withRowUpdate}, which on it re-chunks the same update): the buffer holding its
     * chunk of gradient rows, or null.
     */
    default Buf rowChunk() {
        return null;
    }

    /**
     * This forward instruction and {@code next}, the only reader of {@code middle} (which this one alone writes), as
     * one instruction that never holds {@code middle} whole, or null when they do not fuse. The fused instruction
     * writes a scratch buffer with {@code middle}'s id in its place ({@link #fusedMiddle}).
     */
    default Instr fuseForward(Instr next, Buf middle) {
        return null;
    }

    /** For a fused forward pair ({@link #fuseForward}): the buffer standing in for the middle tensor, or null. */
    default Buf fusedMiddle() {
        return null;
    }

    /** For a fused forward pair: its two instructions again, {@code middle} between them. */
    default List<Instr> unfuse(Buf middle) {
        throw new UnsupportedOperationException(op() + " is not a fused pair");
    }

    /**
     * This instruction as a kernel that writes its output over its input although their sizes or layouts differ (a
     * depthwise conv one channel at a time, a 1x1 conv's input gradient a group of pixels at a time), through a small
     * scratch buffer of id {@code scratchId} that it also writes ({@link #inPlaceScratch}); or null. The variant
     * computes the same bits as this instruction whether or not the planner shares the two buffers ({@link #inPlace}).
     */
    default Instr inPlaceKernel(int scratchId) {
        return null;
    }

    /** For an in-place kernel ({@link #inPlaceKernel}): its scratch buffer, or null. */
    default Buf inPlaceScratch() {
        return null;
    }

    /** For an in-place kernel: the ordinary instruction again (same inputs and outputs, no scratch). */
    default Instr outOfPlace() {
        throw new UnsupportedOperationException(op() + " is not an in-place kernel");
    }

    /** The non-null buffers among {@code bufs}, for {@link #reads} and {@link #writes}. */
    static List<Buf> bufs(Buf... bufs) {
        List<Buf> out = new ArrayList<>();
        for (Buf b : bufs) {
            if (b != null) {
                out.add(b);
            }
        }
        return out;
    }
}
