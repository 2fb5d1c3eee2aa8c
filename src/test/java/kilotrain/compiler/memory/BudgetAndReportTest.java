package kilotrain.compiler.memory;

import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.TrainState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import kilotrain.KtException;
import kilotrain.program.Program;
import kilotrain.report.MemoryReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Budget enforcement names what does not fit and what would; the report holds the timeline and breakdown. */
class BudgetAndReportTest {
    static final DeviceProgram A148 = DevicePipeline.lower(ReorderResultsTest.compile("mcunet-5fps:148kb"),
            new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC, BiasRounding.NEAREST_EVEN, 0), 0f,
            new DevicePipeline.Settings(true, true, true, new ArenaPlanner(100, 1), true));

    @Test
    void sizes() {
        assertEquals(256 * 1024, Budget.parse("256K", "--sram-budget"));
        assertEquals(256 * 1024, Budget.parse("256kb", "--sram-budget"));
        assertEquals(1 << 20, Budget.parse("1M", "--flash-budget"));
        assertEquals(1000, Budget.parse("1000", "--sram-budget"));
        KtException e = assertThrows(KtException.class, () -> Budget.parse("lots", "--sram-budget"));
        assertTrue(e.getMessage().contains("--sram-budget") && e.getMessage().contains("lots"));
        assertThrows(KtException.class, () -> Budget.parse("-5K", "--sram-budget"));
    }

    @Test
    void overBudgetNamesPeakTensorsAndSmallestBudget() {
        Variant v = A148.best();
        long need = A148.sramTotal(v);
        Budget.checkSram(A148, v, need);
        KtException e = assertThrows(KtException.class, () -> Budget.checkSram(A148, v, need - 1));
        String m = e.getMessage();
        assertTrue(m.contains(String.format("%,d", need)), m);
        assertTrue(m.contains("instruction " + v.peakStep()), m);
        String biggest = v.liveness().liveAt(v.peakStep()).get(0).name;
        assertTrue(m.contains(biggest), m);
        Budget.checkFlash(A148, A148.flashBytes);
        KtException f = assertThrows(KtException.class, () -> Budget.checkFlash(A148, 1 << 10));
        assertTrue(f.getMessage().contains(String.format("%,d", A148.flashBytes)), f.getMessage());
    }

    @Test
    void stagesOnlyLowerThePeakAndRespectTheBound() {
        List<Variant> v = A148.variants;
        assertEquals(List.of("deferred", "in-place-ops", "in-place-updates", "reordered", "fused-weight-updates"),
                v.stream().map(Variant::name).toList());
        for (Variant x : v) {
            assertTrue(x.plan().arenaBytes() >= x.plan().lowerBound());
            assertEquals(null, x.plan().conflict());
        }
        long deferred = v.get(0).plan().arenaBytes(), fused = v.get(4).plan().arenaBytes();
        assertTrue(deferred > 2.5 * fused, deferred + " vs " + fused);
        Program p = A148.program();
        long trainable = 0;
        for (var q : p.params) {
            trainable += q.value.bytes();
        }
        assertEquals(trainable, A148.trainableBytes);
        assertEquals(A148.best().plan().arenaBytes() + trainable, A148.sramTotal(A148.best()));
    }

    @Test
    void reportFiles(@TempDir Path dir) throws Exception {
        MemoryReport.write(dir, A148);
        List<String> timeline = Files.readAllLines(dir.resolve("timeline.csv"));
        assertEquals(A148.best().step().size() + 1, timeline.size());
        assertTrue(timeline.get(0).startsWith("step,op,live_bytes"));
        assertTrue(Files.size(dir.resolve("timeline.png")) > 1000);
        List<String> summary = Files.readAllLines(dir.resolve("summary.csv"));
        assertEquals(6, summary.size());
        assertTrue(summary.get(5).startsWith("fused-weight-updates," + A148.best().plan().arenaBytes() + ","));
        assertTrue(Files.readAllLines(dir.resolve("arena.csv")).size() > 10);
    }
}
