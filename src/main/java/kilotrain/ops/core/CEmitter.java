package kilotrain.ops.core;

import kilotrain.ir.Conv2D;

/**
 * What an instruction's C emission ({@link Instr#emitC}) may ask of the C generator: the C expressions of buffers,
 * literals and operator tables (declared by the generator on first use), and scratch arrays. An instruction's
 * emission only returns its statement; everything it needs declared goes through these methods. Implemented by the
 * C generator.
 */
public interface CEmitter {
    /** The C expression of a buffer ({@code NULL} for null). */
    String buf(Buf b);

    /** A float literal with exactly this value. */
    String lit(float v);

    /** Declares {@code static const int32_t name[] = v}; returns the name. */
    String constInts(String name, int[] v);

    /** Declares {@code static const float name[] = v} (exact literals); returns the name. */
    String constFloats(String name, float[] v);

    /** Declares {@code static const int8_t name[] = v}; returns the name. */
    String constBytes(String name, byte[] v);

    /** Adds a declaration (e.g. an operator's table) to the model's data, before the functions. */
    void declare(String text);

    /**
     * The C expression of {@code op}'s table: on the first call {@code declare} gets a fresh name ({@code prefix}
     * and a number), declares the table through this emitter and returns its expression; later calls return it.
     */
    String table(Object op, String prefix, java.util.function.Function<String, String> declare);

    int numClasses();

    /** The address of the conv's {@code kt_conv} table ({@code &kt_convN}). */
    String conv(Conv2D c);

    /** The conv's weight array (the frozen part for a partially trained conv, NULL for a fully trained one). */
    String convWeights(Conv2D c);

    /** The address of the conv's trained slice ({@code kt_slice}), or NULL when it is frozen. */
    String convSlice(Conv2D c);

    /** The conv's bias array, or NULL. */
    String convBias(Conv2D c);

    /** A static scratch array of at least {@code elements} values of C type {@code type}; returns its name. */
    String scratch(String type, String name, int elements);

    /** The batch-1 update of parameter {@code p} from its gradient. */
    String update(Param p);

    /**
     * The update of rows {@code [row0, row0 + rows)} of conv weight parameter {@code p} from those rows' gradient in
     * the float array {@code grad} (C expressions, e.g. a loop variable), as the training state's row update does.
     */
    String updateRows(Param p, String grad, String row0, String rows);
}
