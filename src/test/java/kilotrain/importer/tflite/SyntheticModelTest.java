package kilotrain.importer.tflite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

import kilotrain.KtException;
import kilotrain.exec.Executor;
import kilotrain.ops.tflite.schema.ActivationFunctionType;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.DepthwiseConv2DOptions;
import kilotrain.ops.tflite.schema.FullyConnectedOptions;
import kilotrain.ops.tflite.schema.Padding;
import kilotrain.ops.tflite.schema.TensorType;
import kilotrain.ir.Conv2D;
import kilotrain.ir.FullyConnected;
import kilotrain.ir.Graph;
import kilotrain.ops.requant.FixedPointMath;

/** Hand-built models for the cases the shipped ones do not cover: depth multipliers, op codes, bad models. */
class SyntheticModelTest {
    static final int DEPTHWISE = 4, FC = 9, GELU = 150, PLACEHOLDER = 127, LSTM = 44, CUSTOM = 32;

    /** A depthwise conv with depth multiplier 2: input [1,3,3,2], weight [1,2,2,4], output [1,2,2,4]. */
    static TinyModel depthwise(byte[] w, int[] bias, float[] wScales, int deprecated, int builtin) {
        TinyModel m = new TinyModel();
        m.input = m.int8("x", new int[] {1, 3, 3, 2}, null, 0.5f, 3);
        int wt = m.tensor("w", new int[] {1, 2, 2, 4}, TensorType.INT8, w, wScales, new long[4], 3);
        int bt = m.tensor("b", new int[] {4}, TensorType.INT32, TinyModel.ints(bias), null, null, 0);
        m.output = m.int8("y", new int[] {1, 2, 2, 4}, null, 0.05f, -5);
        m.op(deprecated, builtin, new int[] {m.input, wt, bt}, m.output, BuiltinOptions.DepthwiseConv2DOptions,
                b -> DepthwiseConv2DOptions.createDepthwiseConv2DOptions(b, Padding.VALID, 1, 1, 2,
                        ActivationFunctionType.NONE, 1, 1));
        return m;
    }

    @Test
    void depthwiseMultiplierTwoMatchesTfliteReferenceArithmetic() {
        Random r = new Random(3);
        byte[] w = new byte[16];
        r.nextBytes(w);
        int[] bias = {100, -200, 300, -400};
        float[] wScales = {0.01f, 0.02f, 0.03f, 0.04f};
        Graph g = TfliteImporter.parse("dw.tflite", depthwise(w, bias, wScales, DEPTHWISE, DEPTHWISE).build());
        Conv2D c = (Conv2D) g.ops.get(0);
        assertEquals(2, c.groups);
        assertArrayEquals(new int[] {4, 2, 2, 1}, c.weight.shape);
        assertEquals(0, c.weight.quant.axis);
        for (int oc = 0; oc < 4; oc++) {
            for (int p = 0; p < 4; p++) {
                assertEquals(w[p * 4 + oc], c.weight.int8Data[oc * 4 + p], "OHWI weight " + oc + "," + p);
            }
        }

        byte[] x = new byte[18];
        r.nextBytes(x);
        byte[] got = new Executor(g).run(x);
        byte[] want = new byte[16];
        for (int oy = 0; oy < 2; oy++) {
            for (int ox = 0; ox < 2; ox++) {
                for (int oc = 0; oc < 4; oc++) {
                    int ic = oc / 2;
                    int acc = bias[oc];
                    for (int ky = 0; ky < 2; ky++) {
                        for (int kx = 0; kx < 2; kx++) {
                            int xv = x[((oy + ky) * 3 + ox + kx) * 2 + ic] - 3;
                            acc += xv * w[(ky * 2 + kx) * 4 + oc];
                        }
                    }
                    FixedPointMath.Multiplier q = FixedPointMath.quantizeMultiplier(0.5 * (double) wScales[oc] / 0.05f);
                    int v = FixedPointMath.multiplyByQuantizedMultiplier(acc, q.multiplier(), q.shift()) - 5;
                    want[(oy * 2 + ox) * 4 + oc] = (byte) Math.max(-128, Math.min(127, v));
                }
            }
        }
        assertArrayEquals(want, got);
    }

    @Test
    void readsTheOperatorCodeFromEitherField() {
        byte[] w = new byte[16];
        int[] bias = new int[4];
        float[] s = {0.01f, 0.01f, 0.01f, 0.01f};
        // older converters: only the byte field; newer: builtin_code, with the byte field at the placeholder
        assertEquals(1, TfliteImporter.parse("old.tflite", depthwise(w, bias, s, DEPTHWISE, 0).build()).ops.size());
        assertEquals(1, TfliteImporter.parse("new.tflite", depthwise(w, bias, s, 0, DEPTHWISE).build()).ops.size());
        KtException e = assertThrows(KtException.class,
                () -> TfliteImporter.parse("gelu.tflite", depthwise(w, bias, s, PLACEHOLDER, GELU).build()));
        assertTrue(e.getMessage().contains("operator 0 (GELU)") && e.getMessage().contains("not supported"),
                e.getMessage());
    }

    @Test
    void namesUnsupportedOperators() {
        TinyModel m = depthwise(new byte[16], new int[4], new float[] {1, 1, 1, 1}, LSTM, LSTM);
        KtException e = assertThrows(KtException.class, () -> TfliteImporter.parse("lstm.tflite", m.build()));
        // the operator, where it is (its index and the tensor it writes), and what would work instead
        assertTrue(e.getMessage().startsWith("lstm.tflite: operator 0 (UNIDIRECTIONAL_SEQUENCE_LSTM) writing tensor 3 "
                + "'y': operator UNIDIRECTIONAL_SEQUENCE_LSTM is not supported; kilotrain supports "), e.getMessage());
        for (String op : kilotrain.ops.Operators.supportedBuiltins()) {
            assertTrue(e.getMessage().contains(op), op + " missing from " + e.getMessage());
        }
        m.ops.clear();
        m.op(CUSTOM, CUSTOM, new int[] {m.input}, m.output, (byte) 0, null);
        m.customCode = "ethos-u";
        e = assertThrows(KtException.class, () -> TfliteImporter.parse("vela.tflite", m.build()));
        assertTrue(e.getMessage().contains("operator 0 (CUSTOM) writing tensor 3 'y': custom operator 'ethos-u' (a "
                + "Vela-compiled Ethos-U command stream"), e.getMessage());
    }

    @Test
    void refusesSeveralSubgraphs() {
        TinyModel m = depthwise(new byte[16], new int[4], new float[] {1, 1, 1, 1}, DEPTHWISE, DEPTHWISE);
        m.subgraphs = 2;
        KtException e = assertThrows(KtException.class, () -> TfliteImporter.parse("two.tflite", m.build()));
        assertTrue(e.getMessage().contains("2 subgraphs"), e.getMessage());
    }

    /** A float32 dense layer, as the converter writes a model that was never quantized. */
    @Test
    void refusesFloatModels() {
        TinyModel m = new TinyModel();
        m.input = m.tensor("x", new int[] {1, 4}, TensorType.FLOAT32, null, null, null, 0);
        int w = m.tensor("w", new int[] {2, 4}, TensorType.FLOAT32, new byte[32], null, null, 0);
        m.output = m.tensor("y", new int[] {1, 2}, TensorType.FLOAT32, null, null, null, 0);
        m.op(FC, FC, new int[] {m.input, w, -1}, m.output, BuiltinOptions.FullyConnectedOptions,
                b -> FullyConnectedOptions.createFullyConnectedOptions(b, ActivationFunctionType.NONE, (byte) 0, false));
        KtException e = assertThrows(KtException.class, () -> TfliteImporter.parse("float.tflite", m.build()));
        assertTrue(e.getMessage().startsWith("float.tflite: model is float32, kilotrain needs an int8 model"),
                e.getMessage());
    }

    /** A 16x8-quantized model (int16 activations) is refused by name, not as a type mismatch. */
    @Test
    void refusesInt16ActivationsByName() {
        TinyModel m = new TinyModel();
        m.input = m.tensor("x", new int[] {1, 4}, TensorType.INT16, null, new float[] {0.001f}, new long[] {0}, 0);
        int w = m.tensor("w", new int[] {2, 4}, TensorType.INT8, new byte[8], new float[] {0.1f}, new long[] {0}, 0);
        m.output = m.tensor("y", new int[] {1, 2}, TensorType.INT16, null, new float[] {0.01f}, new long[] {0}, 0);
        m.op(FC, FC, new int[] {m.input, w, -1}, m.output, BuiltinOptions.FullyConnectedOptions,
                b -> FullyConnectedOptions.createFullyConnectedOptions(b, ActivationFunctionType.NONE, (byte) 0, false));
        KtException e = assertThrows(KtException.class, () -> TfliteImporter.parse("x16.tflite", m.build()));
        assertTrue(e.getMessage().contains("tensor 0 'x'") && e.getMessage().contains("int16 activations"),
                e.getMessage());
    }

    @Test
    void foldsFusedRelu6IntoTheOutputRange() {
        TinyModel m = new TinyModel();
        m.input = m.int8("x", new int[] {1, 4}, null, 0.1f, 0);
        int w = m.tensor("w", new int[] {2, 4}, TensorType.INT8, new byte[8], new float[] {0.1f}, new long[] {0}, 0);
        m.output = m.int8("y", new int[] {1, 2}, null, 0.1f, -10);
        m.op(FC, FC, new int[] {m.input, w, -1}, m.output, BuiltinOptions.FullyConnectedOptions,
                b -> FullyConnectedOptions.createFullyConnectedOptions(b, ActivationFunctionType.RELU6, (byte) 0, true));
        FullyConnected fc = (FullyConnected) TfliteImporter.parse("fc.tflite", m.build()).ops.get(0);
        assertEquals(-10, fc.actMin);
        assertEquals(50, fc.actMax);
        assertEquals("RELU6", fc.activation);
    }
}
