package kilotrain.codegen;

import kilotrain.compiler.memory.DevicePipeline;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * the bits of the Java executor's unfused step followed by the whole-tensor update, with chunks of four rows (the
 * planner's choice where they fit) on the host and on the emulated board.
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

    /**
     * On the emulated board (QEMU mps2-an500): MCUNet 99kb's fused updates run four gradient rows per chunk (the
     * planner's choice: they fit under the peak), kt_rows.c's four-row VLDM/VSTM passes, bit for bit like Java.
     */
    @Test
    void mcunet99kbRowsOfFourOnTheBoard(@TempDir Path dir) throws Exception {
        CDeviceMatrixTest.Run r = CDeviceMatrixTest.deviceBench(dir, 2, "tiny-training/mcunet-5fps.pkl",
                "mcunet-5fps:99kb", 10);
        assertEquals(0, r.code(), r.err() + r.out());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertTrue(j.get("bit_exact").asBoolean(), r.out());
        String c = Files.readString(dir.resolve("kt_model.c"));
        assertEquals(2, c.split("r \\+= 4\\) \\{", -1).length - 1, "both fused updates in rows of four:\n" + c);
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
        String c = Files.readString(dir.resolve("kt_model.c"));
        assertTrue(c.contains("kt_conv_weight_grad_rows("));
        assertTrue(c.contains("r += 4) {"), scheme + ": rows of four where they fit (all of them here)");
        CBuild.run(dir, List.of("make", "-s", "kt_host"), 600);
        CBuild.writeSamples(dir.resolve("samples.bin"), CGeneratorTest.INPUTS, CGeneratorTest.labels);
        String out = CBuild.run(dir, List.of("./kt_host", "samples.bin", Integer.toString(steps), "params.bin"), 600);
        Object[] cParams = CGenerator.readParams(p, Files.readAllBytes(dir.resolve("params.bin")), "params.bin");
        CGeneratorTest.compareWithJava(p, state, lr, steps, CBuild.losses(out), cParams, CBuild.prediction(out),
                scheme + " fused (" + fused + " convs)");
    }
}
