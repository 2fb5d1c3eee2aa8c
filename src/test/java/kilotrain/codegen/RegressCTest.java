package kilotrain.codegen;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.ir.Graph;
import kilotrain.ir.Quant;
import kilotrain.ops.loss.MseGrad;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A regression program in generated C, built with the host gcc: TFLite Micro's hello_world (three fully connected
 * layers; its last one, the model's own output layer, trains) fitting sin(x) with the mean squared error. The same
 * loss bits per step, trained parameter bits and outputs as the Java executor, in the plain order and in the device's
 * reordered, arena-planned form.
 */
class RegressCTest {
    static final Path HELLO = CGeneratorTest.SHARED.resolve("models/tflite-micro/hello_world_int8.tflite");

    @Test
    void helloWorldSineRegression(@TempDir Path dir) throws Exception {
        Graph g = kilotrain.importer.ModelLoader.load(HELLO);
        Program p = TrainCompiler.compile(g, TrainSpec.regress(Scheme.classifierOnly(), 1, 0));
        assertTrue(p.regress() && p.step.stream().anyMatch(i -> i instanceof MseGrad), "regression program");
        Quant q = g.input.quant;
        List<byte[]> in = new ArrayList<>();
        float[][] targets = new float[7][];
        for (int i = 0; i < targets.length; i++) {
            float x = (float) (2 * Math.PI * (i + 0.3) / targets.length);
            in.add(new byte[] {(byte) Math.max(-128, Math.min(127, Math.round(x / q.scale()) + q.zeroPoint()))});
            // targets off the curve, so that every step moves the parameters
            targets[i] = new float[] {(float) Math.sin(x) + 0.25f};
        }
        for (boolean device : new boolean[] {false, true}) {
            Path d = dir.resolve(device ? "device" : "plain");
            Files.createDirectories(d);
            CGeneratorTest.check(d, p, "hello_world regress" + (device ? " (device order)" : ""),
                    new TrainState.Options(true, device ? 0.9f : 0f, WeightRounding.STOCHASTIC,
                            BiasRounding.FLOAT_SHADOW, 3), 0.05f, 9, device, in, new int[in.size()], targets);
            assertTrue(Files.readString(d.resolve("kt_model.h")).contains(
                    "float kt_train_step(const int8_t *input, const float *target);"), "device API takes targets");
        }
    }
}
