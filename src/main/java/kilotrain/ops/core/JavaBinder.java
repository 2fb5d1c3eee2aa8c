package kilotrain.ops.core;

import java.util.function.Supplier;
import kilotrain.ops.Scratch;

/**
 * What an instruction may use when the Java executor binds it ({@link Instr#bind}): the program's parameter
 * state, the sizer of the shared kernel scratch, and per-thread objects. Implemented by the executor.
 */
public interface JavaBinder {
    /** Classes of the program's logits. */
    int numClasses();

    ParamState state();

    /** Running maxima of the forward kernels' scratch; every thread's {@link Frame#scratch} is sized from it. */
    Scratch.Sizer sizer();

    /** Asks for {@link Frame#feature} of at least {@code floats} floats. */
    void needFeature(int floats);

    /**
     * The index in {@link Frame#local} of a per-thread object made by {@code make} once per frame; steps asking with
     * equal keys share it.
     */
    int slot(Object key, Supplier<?> make);

    /** Index of a parameter in the program's parameter list, as the {@link ParamState} updates take it. */
    int paramIndex(Param p);
}
