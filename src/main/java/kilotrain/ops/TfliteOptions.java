package kilotrain.ops;

import com.google.flatbuffers.FlatBufferBuilder;
import com.google.flatbuffers.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;
import java.util.function.Supplier;
import kilotrain.ops.tflite.schema.Operator;

/**
 * How an operator's builtin options table is written again when a fine-tuned model is exported as TFLite
 * ({@code model.TfliteExport} rebuilds the flatbuffer): one copy per options type the operator's TFLite forms carry,
 * stated in the operator's folder beside its import rule and registered with it in {@link Operators}
 * ({@link #NONE} for an operator without options). An options table of a type its operator does not list is
 * written again only when it sets no field ({@link #writeIfEmpty}); otherwise the export fails naming the operator.
 */
public final class TfliteOptions {
    /** Writes one options table, read from the original model, into the new flatbuffer; returns its offset. */
    @FunctionalInterface
    public interface Copy<T extends Table> {
        int write(T options, FlatBufferBuilder fb);
    }

    private record One<T extends Table>(byte type, Supplier<T> table, Copy<T> copy) {
        @SuppressWarnings("unchecked")
        int write(Operator op, FlatBufferBuilder fb) {
            return copy.write((T) op.builtinOptions(table.get()), fb);
        }
    }

    /** An operator whose TFLite forms carry no options table. */
    public static final TfliteOptions NONE = new TfliteOptions(List.of());

    private final List<One<?>> copies;

    private TfliteOptions(List<One<?>> copies) {
        this.copies = copies;
    }

    /** Options of union type {@code type} (a {@code BuiltinOptions} constant), read as {@code table}, copied so. */
    public static <T extends Table> TfliteOptions of(byte type, Supplier<T> table, Copy<T> copy) {
        return NONE.or(type, table, copy);
    }

    /** These copies and one more, for an operator whose TFLite forms carry options of several types. */
    public <T extends Table> TfliteOptions or(byte type, Supplier<T> table, Copy<T> copy) {
        List<One<?>> all = new ArrayList<>(copies);
        all.add(new One<>(type, table, copy));
        return new TfliteOptions(List.copyOf(all));
    }

    /** Whether an options table of union type {@code type} is copied. */
    public boolean copies(byte type) {
        return copies.stream().anyMatch(c -> c.type() == type);
    }

    /** The options table of {@code op} written into {@code fb}; its type must be one {@link #copies}. */
    public int write(Operator op, FlatBufferBuilder fb) {
        for (One<?> c : copies) {
            if (c.type() == op.builtinOptionsType()) {
                return c.write(op, fb);
            }
        }
        throw new IllegalArgumentException("no copy of options type " + (op.builtinOptionsType() & 0xff));
    }

    /**
     * An options table with no field set, written again as an empty table of its type, for any options type: TFLite's
     * schema has many tables without fields (PADV2's, TRANSPOSE's, EXPAND_DIMS's, QUANTIZE's, DEQUANTIZE's,
     * HARD_SWISH's, ...) that converters may attach, and an empty table carries nothing to copy. Returns its offset in
     * {@code fb}, or -1 when the table sets a field (then only the operator's own copy may write it).
     */
    public static int writeIfEmpty(Operator op, FlatBufferBuilder fb) {
        Fields t = (Fields) op.builtinOptions(new Fields());
        if (t == null || t.any()) {
            return -1;
        }
        fb.startTable(0);
        return fb.endTable();
    }

    /** Any table, read only for whether its vtable names a field. */
    private static final class Fields extends Table {
        boolean any() {
            int vtable = bb_pos - bb.getInt(bb_pos);
            int bytes = Short.toUnsignedInt(bb.getShort(vtable));
            for (int o = 4; o + 2 <= bytes; o += 2) {
                if (bb.getShort(vtable + o) != 0) {
                    return true;
                }
            }
            return false;
        }
    }

    /** The {@code n} elements of a flatbuffer int vector (a shape or axes in an options table). */
    public static int[] ints(int n, IntUnaryOperator at) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = at.applyAsInt(i);
        }
        return v;
    }
}
