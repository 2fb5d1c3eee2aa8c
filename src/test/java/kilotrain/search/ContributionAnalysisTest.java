package kilotrain.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContributionAnalysisTest {
    /** A deterministic fake accuracy per scheme, so the test never trains. */
    static double fakeAccuracy(Measurement m) {
        return switch (m.kind()) {
            case BASELINE -> 0.5;
            case BIAS -> 0.5 + 0.01 * m.biasK();
            case WEIGHT -> 0.5 + 0.01 * m.biasK() + 0.001 * m.conv() * m.ratio();
        };
    }

    static final ContributionAnalysis.Listener QUIET = (m, a, s, c, d, t, eta) -> {
    };

    static final class Interrupted extends RuntimeException {
    }

    @Test
    void resumesFromAPartialCacheWithoutRepeatingFinishedMeasurements(@TempDir Path dir) {
        List<Measurement> plan = ContributionAnalysis.plan(List.of(2, 4), List.of(5, 6, 7), List.of(0.25, 1.0), 4);
        assertEquals(1 + 2 + 6, plan.size());
        AnalysisCache cache = new AnalysisCache(dir, "settings-A");
        AtomicInteger calls = new AtomicInteger();
        // First run dies after 4 measurements (as if killed).
        assertThrows(Interrupted.class, () -> ContributionAnalysis.run(plan, (m, t) -> {
            if (calls.incrementAndGet() > 4) {
                throw new Interrupted();
            }
            return fakeAccuracy(m);
        }, cache, 1, 2, QUIET));
        assertEquals(5, calls.get());
        List<Measurement> measuredAgain = Collections.synchronizedList(new ArrayList<>());
        List<Integer> cachedSeen = new ArrayList<>();
        ContributionAnalysis.Result r = ContributionAnalysis.run(plan, (m, t) -> {
            measuredAgain.add(m);
            return fakeAccuracy(m);
        }, cache, 2, 2, (m, a, s, cached, d, t, eta) -> {
            if (cached) {
                cachedSeen.add(d);
            }
        });
        assertEquals(4, r.cached());
        assertEquals(5, r.measured());
        assertEquals(5, measuredAgain.size());
        assertEquals(List.of(1, 2, 3, 4), cachedSeen);
        for (Measurement m : plan.subList(0, 4)) {
            assertTrue(!measuredAgain.contains(m), m.id() + " was measured twice");
        }
        for (Map.Entry<Measurement, Double> e : r.accuracy().entrySet()) {
            assertEquals(fakeAccuracy(e.getKey()), e.getValue(), 0, e.getKey().id());
        }
        // A third run measures nothing.
        ContributionAnalysis.Result again = ContributionAnalysis.run(plan, (m, t) -> {
            throw new AssertionError("nothing left to measure, but " + m.id() + " was run");
        }, cache, 1, 2, QUIET);
        assertEquals(plan.size(), again.cached());
        // Other settings (epochs, subset, ...) never reuse these files.
        AtomicInteger other = new AtomicInteger();
        ContributionAnalysis.run(plan, (m, t) -> {
            other.incrementAndGet();
            return 0.1;
        }, new AnalysisCache(dir, "settings-B"), 1, 2, QUIET);
        assertEquals(plan.size(), other.get());
    }

    @Test
    void tableGainsAndFilesRoundTrip(@TempDir Path dir) throws Exception {
        List<Measurement> plan = ContributionAnalysis.plan(List.of(2, 4), List.of(5, 6), List.of(0.125, 0.5, 1.0), 4);
        ContributionAnalysis.Result r = ContributionAnalysis.run(plan, (m, t) -> fakeAccuracy(m),
                new AnalysisCache(dir, "s"), 1, 1, QUIET);
        AnalysisTable t = AnalysisTable.of("fake", 8, 4, r.accuracy(), new ObjectMapper().createObjectNode());
        assertEquals(0.04, t.biasGain(4), 1e-12);
        assertEquals(0.001 * 6 * 0.5, t.weightGain(6, 0.5), 1e-12);
        t.write(dir);
        assertTrue(Files.size(dir.resolve("heatmap.png")) > 1000);
        assertTrue(Files.readString(dir.resolve("analysis.csv")).contains("weight,4,6,1/2,"));
        AnalysisTable back = AnalysisTable.read(dir);
        assertEquals(t.toJson(), back.toJson());
        assertTrue(Files.list(dir.resolve("measurements")).noneMatch(p -> p.toString().endsWith(".tmp")));
    }

    @Test
    void analysesOfTheSameMeasurementsAverageAndOthersAreRefused(@TempDir Path dir) {
        List<Measurement> plan = ContributionAnalysis.plan(List.of(2, 4), List.of(5, 6), List.of(0.5, 1.0), 4);
        ContributionAnalysis.Result r = ContributionAnalysis.run(plan, (m, t) -> fakeAccuracy(m),
                new AnalysisCache(dir.resolve("a"), "s"), 1, 1, QUIET);
        ContributionAnalysis.Result r2 = ContributionAnalysis.run(plan, (m, t) -> fakeAccuracy(m) + 0.02,
                new AnalysisCache(dir.resolve("b"), "s"), 1, 1, QUIET);
        AnalysisTable a = AnalysisTable.of("fake", 8, 4, r.accuracy(), new ObjectMapper().createObjectNode());
        AnalysisTable b = AnalysisTable.of("fake", 8, 4, r2.accuracy(), new ObjectMapper().createObjectNode());
        AnalysisTable m = AnalysisTable.mean(List.of(a, b), List.of("A", "B"));
        assertEquals(0.51, m.baselineAccuracy, 1e-12);
        assertEquals(0.5 + 0.04 + 0.01, m.biasAccuracy.get(4), 1e-12);
        assertEquals(0.001 * 6 * 0.5, m.weightGain(6, 0.5), 1e-12, "equal offsets leave the gains alone");
        assertEquals(2, m.settings.get("analyses_averaged").asInt());

        AnalysisTable otherBase = AnalysisTable.of("fake", 8, 2, r2.accuracy(), new ObjectMapper().createObjectNode());
        var e = assertThrows(kilotrain.KtException.class, () -> AnalysisTable.mean(List.of(a, otherBase),
                List.of("A", "C")));
        assertTrue(e.getMessage().contains("--weight-base-k 4"), e.getMessage());
        List<Measurement> fewer = ContributionAnalysis.plan(List.of(2, 4), List.of(5), List.of(0.5, 1.0), 4);
        ContributionAnalysis.Result r3 = ContributionAnalysis.run(fewer, (x, t) -> fakeAccuracy(x),
                new AnalysisCache(dir.resolve("c"), "s"), 1, 1, QUIET);
        AnalysisTable c = AnalysisTable.of("fake", 8, 4, r3.accuracy(), new ObjectMapper().createObjectNode());
        e = assertThrows(kilotrain.KtException.class, () -> AnalysisTable.mean(List.of(a, c), List.of("A", "D")));
        assertTrue(e.getMessage().contains("same measurements"), e.getMessage());
    }

    @Test
    void shrinkingMovesEveryGainOneStandardErrorTowardZero() {
        java.util.TreeMap<Integer, Double> bias = new java.util.TreeMap<>(java.util.Map.of(2, 0.5005, 4, 0.54));
        java.util.TreeMap<Integer, java.util.TreeMap<Double, Double>> w = new java.util.TreeMap<>();
        w.put(5, new java.util.TreeMap<>(java.util.Map.of(0.5, 0.542, 1.0, 0.57)));
        w.put(6, new java.util.TreeMap<>(java.util.Map.of(1.0, 0.51)));
        var settings = new ObjectMapper().createObjectNode();
        settings.put("test_samples", 2500);
        AnalysisTable t = new AnalysisTable("fake", 8, 4, 0.5, bias, w, settings);
        assertSame(t, t.shrunk(0));
        double se = Math.sqrt(0.54 * 0.46 / 2500); // the bias baseline's accuracy on 2,500 test images
        AnalysisTable s = t.shrunk(1);
        assertEquals(0.04 - se, s.biasGain(4), 1e-12);
        assertEquals(0, s.biasGain(2), 1e-12, "a gain under one standard error counts as none");
        assertEquals(0, s.weightGain(5, 0.5), 1e-12);
        assertEquals(0.03 - se, s.weightGain(5, 1.0), 1e-12);
        assertEquals(-(0.03 - se), s.weightGain(6, 1.0), 1e-12, "losses shrink toward zero too");
        assertEquals(se, s.settings.get("gains_shrunk_by").asDouble(), 1e-15);
        assertEquals(0.04, t.biasGain(4), 1e-12, "the table itself is unchanged");
        settings.put("analyses_averaged", 4);
        AnalysisTable mean = new AnalysisTable("fake", 8, 4, 0.5, bias, w, settings);
        assertEquals(0.04 - se / 2, mean.shrunk(1).biasGain(4), 1e-12, "the mean of 4 analyses has half the error");

        AnalysisTable noCount = new AnalysisTable("fake", 8, 4, 0.5, bias, w, new ObjectMapper().createObjectNode());
        var e = assertThrows(kilotrain.KtException.class, () -> noCount.shrunk(1));
        assertTrue(e.getMessage().contains("test sample count"), e.getMessage());
    }
}
