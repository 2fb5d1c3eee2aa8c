package kilotrain.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class RatioTrendTest {
    @Test
    void aLoneLuckyRatioIsPooledWithItsNeighbours() {
        // conv 28 of the mcunet-5fps analysis (points): +0.15, +0.55, -0.65, +0.70 at 1/8, 1/4, 1/2, 1
        double[] f = RatioTrend.fit(new double[] {0.15, 0.55, -0.65, 0.70});
        assertArrayEquals(new double[] {0.05 / 3, 0.05 / 3, 0.05 / 3, 0.70}, f, 1e-12);
        // a layer that hurts more the more of it trains keeps its decreasing shape
        double[] d = RatioTrend.fit(new double[] {-2.35, -4.0, -10.35, -21.9});
        assertArrayEquals(new double[] {-2.35, -4.0, -10.35, -21.9}, d, 1e-12);
        // a dip inside a decreasing run is pooled the other way
        assertArrayEquals(new double[] {0.1, -0.75, -0.75, -0.75}, RatioTrend.fit(new double[] {0.1, -1.7, 0.2, -0.75}),
                1e-12);
    }

    @Property
    void theFitIsMonotoneAndNoWorseThanAnyConstant(@ForAll @Size(min = 1, max = 6) double[] raw) {
        double[] y = raw.clone();
        for (int i = 0; i < y.length; i++) {
            y[i] = Double.isFinite(y[i]) ? Math.max(-1, Math.min(1, y[i])) : 0;
        }
        double[] f = RatioTrend.fit(y);
        boolean up = true, down = true;
        for (int i = 1; i < f.length; i++) {
            up &= f[i] >= f[i - 1] - 1e-12;
            down &= f[i] <= f[i - 1] + 1e-12;
        }
        assertTrue(up || down);
        double mean = 0;
        for (double v : y) {
            mean += v / y.length;
        }
        double sf = 0, sc = 0, sum = 0;
        for (int i = 0; i < y.length; i++) {
            sf += (y[i] - f[i]) * (y[i] - f[i]);
            sc += (y[i] - mean) * (y[i] - mean);
            sum += f[i] - y[i];
        }
        assertTrue(sf <= sc + 1e-9, "a constant is monotone both ways, so the fit is at least as close");
        assertEquals(0, sum, 1e-9, "pooling keeps the sum of the gains");
    }

    @Property
    void anAlreadyMonotoneRowIsKept(@ForAll @Size(min = 1, max = 6) double[] raw) {
        double[] y = raw.clone();
        for (int i = 0; i < y.length; i++) {
            y[i] = Double.isFinite(y[i]) ? Math.max(-1, Math.min(1, y[i])) : 0;
        }
        java.util.Arrays.sort(y);
        assertArrayEquals(y, RatioTrend.fit(y), 1e-12);
    }

    @Test
    void theTableFitsEachConvOverItsBaseline() {
        TreeMap<Integer, Double> bias = new TreeMap<>(Map.of(4, 0.60));
        TreeMap<Integer, TreeMap<Double, Double>> w = new TreeMap<>();
        w.put(5, new TreeMap<>(Map.of(0.125, 0.6015, 0.25, 0.6055, 0.5, 0.5935, 1.0, 0.607)));
        w.put(6, new TreeMap<>(Map.of(0.5, 0.62, 1.0, 0.59)));
        AnalysisTable t = new AnalysisTable("m", 8, 4, 0.5, bias, w,
                new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode());
        AnalysisTable m = t.monotoneInRatio();
        assertEquals(0.05 / 300, m.weightGain(5, 0.25), 1e-9);
        assertEquals(0.007, m.weightGain(5, 1.0), 1e-9);
        assertEquals(0.02, m.weightGain(6, 0.5), 1e-9, "two ratios are kept as measured");
        assertEquals(0.0055, t.weightGain(5, 0.25), 1e-9, "the original is unchanged");
    }
}
