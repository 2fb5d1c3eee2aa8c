package kilotrain.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import kilotrain.KtException;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.compiler.PublishedSchemes;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainSpec;
import kilotrain.compiler.memory.DevicePipeline;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.TrainState;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The planner on MCUNet's real memory plans, with made-up gains (no training). */
class SchemePlannerTest {
    static final Path SHARED = Path.of(System.getProperty("user.dir")).resolve("../shared").normalize();
    static Graph graph;
    static PlannedMemory memory;

    @BeforeAll
    static void load() {
        graph = ModelLoader.load(SHARED.resolve("models/tiny-training/mcunet-5fps.pkl"));
        // The compile command's defaults: plain SGD, stochastic int8 weights, float master copies of biases.
        memory = new PlannedMemory(graph, 10, new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 0), DevicePipeline.Settings.device().withFusedUpdates(false), TrainSpec.Head.FLOAT);
    }

    /** Gains where every part helps a little (so the budget, not the gains, decides), seeded. */
    static AnalysisTable fakeTable(long seed) {
        return fakeTable(seed, new ObjectMapper().createObjectNode());
    }

    /** Made-up gains with the given recorded settings (those {@code plan --verify} fine-tunes with). */
    static AnalysisTable fakeTable(long seed, com.fasterxml.jackson.databind.node.ObjectNode settings) {
        SplittableRandom r = new SplittableRandom(seed);
        TreeMap<Integer, Double> bias = new TreeMap<>();
        bias.put(12, 0.60);
        bias.put(22, 0.63);
        TreeMap<Integer, TreeMap<Double, Double>> w = new TreeMap<>();
        for (int c : new int[] {21, 24, 27, 30, 33, 36, 39}) {
            TreeMap<Double, Double> byRatio = new TreeMap<>();
            double g = 0;
            for (double ratio : new double[] {0.125, 0.25, 0.5, 1.0}) {
                g += r.nextDouble(0.001, 0.01);
                byRatio.put(ratio, 0.63 + g);
            }
            w.put(c, byRatio);
        }
        return new AnalysisTable("mcunet-5fps", 42, 22, 0.5, bias, w, settings);
    }

    @Test
    void atThePublishedSchemesPeakTheFoundSchemeFitsAndPredictsAtLeastAsMuch() {
        SchemePlanner planner = new SchemePlanner(fakeTable(1), memory, 1 << 20, 5000);
        Scheme published = PublishedSchemes.get("mcunet-5fps:99kb");
        long budget = memory.of(published).sram();
        SchemePlanner.Plan p = planner.plan("found", budget);
        assertTrue(p.cost().sram() <= budget, p.cost() + " over " + budget);
        planner.confirm(p, budget);
        assertEquals(memory.of(p.scheme()).sram(), p.cost().sram());
        assertTrue(p.result().proven());
        int[] unmeasured = {0};
        double publishedAcc = planner.predict(published, unmeasured);
        assertEquals(0, unmeasured[0]);
        assertTrue(p.predictedAccuracy() >= publishedAcc - 1e-12, p.predictedAccuracy() + " < " + publishedAcc);
        // The admissibility assumption of the memory bound, on the published schemes inside the space.
        long[][] checks = planner.boundCheck(List.of(published, PublishedSchemes.get("mcunet-5fps:148kb"),
                PublishedSchemes.get("mcunet-5fps:124kb"), p.scheme()));
        assertTrue(checks.length >= 2);
        for (long[] c : checks) {
            assertTrue(c[0] <= c[1], "lower bound " + c[0] + " above the planned " + c[1]);
        }
    }

    @Test
    void theMemoryLowerBoundHoldsOnRandomSchemes() {
        SchemePlanner planner = new SchemePlanner(fakeTable(4), memory, -1, 10);
        SchemeSpace sp = planner.space();
        SplittableRandom r = new SplittableRandom(11);
        for (int t = 0; t < 15; t++) {
            int b = r.nextInt(sp.biasK().length);
            int[] choice = new int[sp.items()];
            for (int i = 0; i < choice.length; i++) {
                choice[i] = r.nextInt(3) == 0 ? r.nextInt(sp.ratio()[i].length) : -1;
            }
            Scheme s = planner.scheme("random", b, choice);
            long lb = sp.lowerBound(b, choice), planned = memory.of(s).sram();
            assertTrue(lb <= planned, s + ": lower bound " + lb + " above the planned " + planned);
        }
    }

    @Test
    void theFastPlanAgreesWithTheFullMemoryAnalysis() {
        for (String name : new String[] {"classifier-only", "bias-only:22", "mcunet-5fps:49kb", "mcunet-5fps:148kb"}) {
            Scheme s = Scheme.resolve(name, 42);
            assertEquals(memory.full(s), memory.of(s), name);
        }
    }

    @Test
    void neverOverBudgetAcrossBudgetsAndSaysWhatBudgetWorks() {
        SchemePlanner planner = new SchemePlanner(fakeTable(2), memory, -1, 5000);
        long smallest = memory.of(Scheme.classifierOnly()).sram();
        double last = Double.NEGATIVE_INFINITY;
        for (long budget = smallest; budget <= smallest + 160_000; budget += 40_000) {
            SchemePlanner.Plan p = planner.tryPlan("b", budget);
            assertNotNull(p);
            assertTrue(p.cost().sram() <= budget);
            assertTrue(p.predictedAccuracy() >= last - 1e-12, "more memory never predicts less");
            last = p.predictedAccuracy();
        }
        KtException e = assertThrows(KtException.class, () -> planner.plan("x", smallest - 1));
        assertTrue(e.getMessage().contains(String.format("%,d bytes", smallest)), e.getMessage());
        assertTrue(e.getMessage().contains("classifier-only"), e.getMessage());
        KtException f = assertThrows(KtException.class,
                () -> new SchemePlanner(fakeTable(2), memory, 1000, 10).plan("x", 1 << 30));
        assertTrue(f.getMessage().contains("flash"), f.getMessage());
    }
}
