package kilotrain.codegen;

import kilotrain.compiler.memory.DevicePipeline;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.compiler.memory.ArenaPlanner;
import kilotrain.compiler.memory.Variant;
import kilotrain.ops.conv.ConvWeightUpdate;
import kilotrain.program.TrainState;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.Program;
import kilotrain.compiler.Scheme;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fused weight-gradient update in C (kt_conv_weight_grad_rows + the row-range update), in the planned arena, gives
 * the bits of the Java executor's unfused step followed by the whole-tensor update.
 */
class CFusedUpdateTest {
    @BeforeAll
    static void load() {
        CGeneratorTest.load();
    }

    @Test
    void mcunet148kbFusedStochasticWithMomentum(@TempDir Path dir) throws Exception {
        check(dir, "mcunet-5fps:148kb", new TrainState.Options(true, 0.9f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 3));
    }

    @Test
    void mcunet124kbFusedShadowWithoutQas(@TempDir Path dir) throws Exception {
        check(dir, "mcunet-5fps:124kb", new TrainState.Options(false, 0f, WeightRounding.FLOAT_SHADOW,
                BiasRounding.NEAREST_EVEN, 4));
    }

    private static void check(Path dir, String scheme, TrainState.Options options) throws Exception {
        CBuild.requireTool("gcc");
        CBuild.requireTool("make");
        Scheme s = Scheme.resolve(scheme, TrainCompiler.backboneConvs(CGeneratorTest.mcunet).size());
        Program p = TrainCompiler.compile(CGeneratorTest.mcunet, new TrainSpec(s, 10, 11));
        TrainState state = new TrainState(p, options);
        Variant v = DevicePipeline.lower(p, options, 0f, DevicePipeline.Settings.device().withFuseBlocks(false)).best();
        long fused = v.step().stream().filter(in -> in instanceof ConvWeightUpdate).count();
        assertTrue(fused > 0, scheme + ": the planned step fuses at least one weight update");
        float lr = 0.05f;
        int steps = 4;
        CGenerator.generate(p, v.step(), v.plan(), state, lr, dir);
        assertTrue(Files.readString(dir.resolve("kt_model.c")).contains("kt_conv_weight_grad_rows("));
        CBuild.run(dir, List.of("make", "-s", "kt_host"), 600);
        CBuild.writeSamples(dir.resolve("samples.bin"), CGeneratorTest.INPUTS, CGeneratorTest.labels);
        String out = CBuild.run(dir, List.of("./kt_host", "samples.bin", Integer.toString(steps), "params.bin"), 600);
        Object[] cParams = CGenerator.readParams(p, Files.readAllBytes(dir.resolve("params.bin")), "params.bin");
        CGeneratorTest.compareWithJava(p, state, lr, steps, CBuild.losses(out), cParams, CBuild.prediction(out),
                scheme + " fused (" + fused + " convs)");
    }
}
