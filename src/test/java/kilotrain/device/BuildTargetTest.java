package kilotrain.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import kilotrain.KtException;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.compiler.memory.DeviceProgram;
import kilotrain.compiler.memory.DevicePipeline;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import org.junit.jupiter.api.Test;

/** compile's targets: their board rules, budgets, and memory counted one way for a board. */
class BuildTargetTest {
    static final Path RESNET = Path.of(System.getProperty("user.dir"))
            .resolve("../shared/models/mlperf-tiny/pretrainedResnet_quant.tflite").normalize();

    @Test
    void targetsAndBoards() {
        BuildTarget host = BuildTarget.of("host", null);
        assertNull(host.board());
        assertTrue(!host.program() && !host.library());
        assertEquals(-1, host.sramBudget(-1, true), "the host has no board limit");
        BuildTarget m7 = BuildTarget.of("cortex-m7", null);
        assertSame(Board.named("cortex-m7"), m7.board());
        assertTrue(m7.program());
        assertEquals(m7.board().ramBytes(), m7.sramBudget(-1, true), "writing a project: the board's limit");
        assertEquals(-1, m7.sramBudget(-1, false), "no project, no budget asked: none");
        assertEquals(1000, m7.flashBudget(1000, true), "an asked budget wins");
        assertTrue(BuildTarget.of("lib", null).library());
        KtException e = assertThrows(KtException.class, () -> BuildTarget.of("host", "mps2-an386"));
        assertTrue(e.getMessage().contains("--board needs --target lib"), e.getMessage());
        e = assertThrows(KtException.class, () -> BuildTarget.of("cortex-m7", "mps2-an386"));
        assertTrue(e.getMessage().contains("the board's core is cortex-m4"), e.getMessage());
    }

    @Test
    void footprintCountsThePlannersFigures() {
        Graph g = ModelLoader.load(RESNET);
        Program p = TrainCompiler.compile(g, new TrainSpec(Scheme.resolve("last-k:3",
                TrainCompiler.backboneConvs(g).size()), 10, 0, TrainSpec.Head.INT8));
        TrainState.Options o = new TrainState.Options(true, 0.9f, WeightRounding.FLOAT_SHADOW,
                BiasRounding.FLOAT_SHADOW, 0);
        DeviceProgram dp = DevicePipeline.lower(p, o, 0.05f, DevicePipeline.Settings.device());
        TrainState state = new TrainState(p, o);
        DeviceFootprint f = BuildTarget.of("cortex-m7", null).check(dp, state, -1, -1, false);
        assertEquals(dp.trainableBytes, f.ramParts().get("trainable parameters"));
        assertEquals(dp.shadowBytes, f.ramParts().get("float master copies"));
        assertEquals(dp.optimizerBytes, f.ramParts().get("optimizer state"));
        assertTrue(dp.optimizerBytes > 0 && dp.shadowBytes > 0);
        // a footprint whose arena is not the planned one is refused
        Map<String, Long> ram = new LinkedHashMap<>(f.ramParts());
        ram.put("arena", ram.get("arena") + 8);
        DeviceFootprint other = new DeviceFootprint(f.dataBytes(), f.bssBytes(), f.stackBytes(), f.rodataBytes(),
                f.codeBytes(), ram, f.flashParts());
        IllegalStateException x = assertThrows(IllegalStateException.class, () -> BuildTarget.sameCount(other, dp));
        assertTrue(x.getMessage().contains("arena"), x.getMessage());
    }
}
