package kilotrain.importer.tflite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import kilotrain.KtException;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.data.InputSpec;
import kilotrain.exec.Executor;
import kilotrain.exec.TrainExecutor;
import kilotrain.ir.Graph;
import kilotrain.model.GraphPredictor;
import kilotrain.model.Predictor;
import kilotrain.ops.dequantize.Dequantize;
import kilotrain.ops.dequantize.DequantizeFwd;
import kilotrain.ops.tflite.schema.ActivationFunctionType;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.FullyConnectedOptions;
import kilotrain.ops.tflite.schema.TensorType;
import kilotrain.ops.TfliteBuiltins;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import org.junit.jupiter.api.Test;

/**
 * A model with a float output (two FULLY_CONNECTED layers, then DEQUANTIZE with TFLite Micro's dequantize test's
 * quantization, scale 0.5 and zero point -1), written with kilotrain's TFLite writer: {@code predict}'s scores, the
 * training step's predictions (a regression, whose loss reads the model's float output) and {@link Dequantize} of the
 * int8 graph's output are the same bits on every input; the import rule refuses a DEQUANTIZE that changes the size.
 */
public class FloatOutputModelTest {
    public static byte[] model(int floatElements) {
        TinyModel m = new TinyModel();
        Random r = new Random(6);
        m.input = m.int8("x", new int[] {1, 8}, null, 0.1f, 3);
        int h = m.int8("h", new int[] {1, 4}, null, 0.2f, -7);
        int y = m.int8("y", new int[] {1, 2}, null, 0.5f, -1);
        int prev = m.input, in = 8;
        for (int[] layer : new int[][] {{h, 4}, {y, 2}}) {
            byte[] w = new byte[layer[1] * in];
            for (int i = 0; i < w.length; i++) {
                w[i] = (byte) (r.nextInt(181) - 90);
            }
            int wt = m.int8("w" + layer[0], new int[] {layer[1], in}, w, 0.01f, 0);
            int bt = m.tensor("b" + layer[0], new int[] {layer[1]}, TensorType.INT32, TinyModel.ints(new int[layer[1]]),
                    new float[] {0.001f}, new long[] {0}, 0);
            m.op(9, 9, new int[] {prev, wt, bt}, layer[0], BuiltinOptions.FullyConnectedOptions,
                    b -> FullyConnectedOptions.createFullyConnectedOptions(b, ActivationFunctionType.NONE, (byte) 0,
                            false));
            prev = layer[0];
            in = layer[1];
        }
        m.output = m.tensor("scores", new int[] {1, floatElements}, TensorType.FLOAT32, null, null, null, 0);
        m.op(TfliteBuiltins.DEQUANTIZE, TfliteBuiltins.DEQUANTIZE, new int[] {y}, m.output, (byte) 0, null);
        return m.build();
    }

    @Test
    void predictTrainAndDequantizeAgree() {
        Graph g = TfliteImporter.parse("float_out.tflite", model(2));
        assertTrue(g.floatOutput && !g.floatInput);
        Predictor.Scorer predict = new GraphPredictor(g, InputSpec.of(g.input)).scorer();
        Executor graph = new Executor(g);
        Program p = TrainCompiler.compile(g, TrainSpec.regress(Scheme.resolve("last-k:1",
                TrainCompiler.backboneConvs(g).size()), 2, 0));
        assertTrue(p.step.stream().anyMatch(i -> i instanceof DequantizeFwd d && d.scale() == 0.5f && d.zero() == -1),
                "the training step dequantizes the output with the DEQUANTIZE's quantization");
        TrainExecutor ex = new TrainExecutor(p, new TrainState(p, new TrainState.Options(true, 0f,
                WeightRounding.STOCHASTIC, BiasRounding.FLOAT_SHADOW, 1)));
        TrainExecutor.Workspace ws = ex.workspace();
        Random r = new Random(1);
        float[] train = new float[2];
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int it = 0; it < 300; it++) {
            byte[] x = new byte[8];
            r.nextBytes(x);
            float[] expected = Dequantize.of(graph.run(x), g.output);
            float[] scores = predict.scores(x);
            ex.predict(ws, x, train);
            for (int j = 0; j < 2; j++) {
                assertEquals(Float.floatToRawIntBits(expected[j]), Float.floatToRawIntBits(scores[j]));
                assertEquals(Float.floatToRawIntBits(expected[j]), Float.floatToRawIntBits(train[j]));
                seen.add(Math.round(expected[j] * 2));
            }
        }
        assertTrue(seen.size() > 20, "outputs spread over many int8 values: " + seen.size());
    }

    @Test
    void aDequantizeThatChangesTheSizeIsRefused() {
        KtException e = assertThrows(KtException.class, () -> TfliteImporter.parse("bad.tflite", model(3)));
        assertTrue(e.getMessage().contains("operator 2 (DEQUANTIZE)") && e.getMessage().contains("3 elements"),
                e.getMessage());
    }
}
