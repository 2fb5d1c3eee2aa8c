package kilotrain.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.flatbuffers.FlatBufferBuilder;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.Conv2DOptions;
import kilotrain.ops.tflite.schema.Operator;
import kilotrain.ops.tflite.schema.ReshapeOptions;
import org.junit.jupiter.api.Test;

/**
 * The TFLite options export each registration names (issue 21: the operator's folder owns it): every imported
 * builtin copies exactly the options table TFLite's schema gives it, and a copy writes the same values back.
 */
class OperatorOptionsTest {
    /** TFLite's schema: the options union member of each builtin kilotrain imports (absent: none). */
    private static final Map<String, Byte> SCHEMA = Map.ofEntries(
            Map.entry("CONV_2D", BuiltinOptions.Conv2DOptions),
            Map.entry("DEPTHWISE_CONV_2D", BuiltinOptions.DepthwiseConv2DOptions),
            Map.entry("FULLY_CONNECTED", BuiltinOptions.FullyConnectedOptions),
            Map.entry("AVERAGE_POOL_2D", BuiltinOptions.Pool2DOptions),
            Map.entry("MAX_POOL_2D", BuiltinOptions.Pool2DOptions),
            Map.entry("ADD", BuiltinOptions.AddOptions),
            Map.entry("MUL", BuiltinOptions.MulOptions),
            Map.entry("SUB", BuiltinOptions.SubOptions),
            Map.entry("RESHAPE", BuiltinOptions.ReshapeOptions),
            Map.entry("SQUEEZE", BuiltinOptions.SqueezeOptions),
            Map.entry("SOFTMAX", BuiltinOptions.SoftmaxOptions),
            Map.entry("PAD", BuiltinOptions.PadOptions),
            Map.entry("MEAN", BuiltinOptions.ReducerOptions),
            Map.entry("CONCATENATION", BuiltinOptions.ConcatenationOptions),
            Map.entry("LEAKY_RELU", BuiltinOptions.LeakyReluOptions),
            Map.entry("STRIDED_SLICE", BuiltinOptions.StridedSliceOptions),
            Map.entry("RESIZE_NEAREST_NEIGHBOR", BuiltinOptions.ResizeNearestNeighborOptions));

    private static final List<Byte> TYPES = SCHEMA.values().stream().distinct().toList();

    @Test
    void everyBuiltinCopiesItsSchemaOptions() {
        for (String b : Operators.supportedBuiltins()) {
            if (b.contains(" ")) {
                continue; // the interface QUANTIZE / DEQUANTIZE lines, outside the registry
            }
            Operators.Entry<?> e = Operators.forBuiltin(TfliteBuiltins.code(b));
            assertNotNull(e, b);
            Byte own = SCHEMA.get(b);
            if (own != null) {
                assertTrue(e.options().copies(own), b + " copies its options");
            }
            // an entry may cover several builtins (RESHAPE, SQUEEZE): it copies what one of them carries, no other
            for (byte t : TYPES) {
                boolean carried = false;
                for (String other : e.builtins()) {
                    carried |= SCHEMA.get(other) != null && SCHEMA.get(other) == t;
                }
                assertEquals(carried, e.options().copies(t), b + ", options type " + t);
            }
        }
    }

    @Test
    void copiesWriteTheSameValues() {
        FlatBufferBuilder fb = new FlatBufferBuilder();
        int opts = Conv2DOptions.createConv2DOptions(fb, (byte) 1, 2, 3, (byte) 1, 1, 2);
        Operator conv = operator(fb, BuiltinOptions.Conv2DOptions, opts);
        Operator back = copy(conv, "CONV_2D");
        Conv2DOptions o = (Conv2DOptions) back.builtinOptions(new Conv2DOptions());
        assertEquals(1, o.padding());
        assertEquals(2, o.strideW());
        assertEquals(3, o.strideH());
        assertEquals(1, o.fusedActivationFunction());
        assertEquals(1, o.dilationWFactor());
        assertEquals(2, o.dilationHFactor());

        fb = new FlatBufferBuilder();
        opts = ReshapeOptions.createReshapeOptions(fb, ReshapeOptions.createNewShapeVector(fb, new int[] {1, -1, 8}));
        ReshapeOptions r = (ReshapeOptions) copy(operator(fb, BuiltinOptions.ReshapeOptions, opts), "RESHAPE")
                .builtinOptions(new ReshapeOptions());
        assertEquals(3, r.newShapeLength());
        assertEquals(-1, r.newShape(1));
        assertEquals(8, r.newShape(2));
        assertFalse(Operators.forBuiltin(TfliteBuiltins.code("RELU")).options().copies(BuiltinOptions.ReshapeOptions));
    }

    @Test
    void emptyOptionsOfAnyTypeAreWrittenAgainAndTablesWithFieldsAreNot() {
        // PADV2's options (union member 43 of TFLite's schema, a table without fields): kilotrain has no class for it
        FlatBufferBuilder fb = new FlatBufferBuilder();
        fb.startTable(0);
        Operator padv2 = operator(fb, (byte) 43, fb.endTable());
        FlatBufferBuilder out = new FlatBufferBuilder();
        int copied = TfliteOptions.writeIfEmpty(padv2, out);
        assertTrue(copied > 0);
        Operator back = operator(out, (byte) 43, copied);
        assertEquals(43, back.builtinOptionsType());
        assertNotNull(back.builtinOptions(new ReshapeOptions()));
        // a table that sets a field is never copied blindly, whatever its type says
        fb = new FlatBufferBuilder();
        int conv = Conv2DOptions.createConv2DOptions(fb, (byte) 1, 2, 3, (byte) 1, 1, 2);
        assertEquals(-1, TfliteOptions.writeIfEmpty(operator(fb, (byte) 26, conv), new FlatBufferBuilder()));
    }

    /** An operator table carrying the options, as the root of its own buffer. */
    private static Operator operator(FlatBufferBuilder fb, byte type, int options) {
        Operator.startOperator(fb);
        Operator.addBuiltinOptionsType(fb, type);
        Operator.addBuiltinOptions(fb, options);
        fb.finish(Operator.endOperator(fb));
        return Operator.getRootAsOperator(ByteBuffer.wrap(fb.sizedByteArray()));
    }

    /** The operator's options copied by its registration into a new buffer, read back. */
    private static Operator copy(Operator op, String builtin) {
        FlatBufferBuilder fb = new FlatBufferBuilder();
        int copied = Operators.forBuiltin(TfliteBuiltins.code(builtin)).options().write(op, fb);
        return operator(fb, op.builtinOptionsType(), copied);
    }
}
