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
     * whose output element i depends only on input element i, read before it is written, of the same size. The
     * memory planner shares them when the source dies here.
     */
    default Buf[] inPlace() {
        return null;
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
