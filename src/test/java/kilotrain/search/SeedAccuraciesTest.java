package kilotrain.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kilotrain.KtException;
import org.junit.jupiter.api.Test;

class SeedAccuraciesTest {
    @Test
    void meanSpreadAndPairedDifference() {
        SeedAccuracies a = new SeedAccuracies(new long[] {0, 1, 2}, new double[] {0.7665, 0.7610, 0.7700});
        SeedAccuracies b = new SeedAccuracies(new long[] {0, 1, 2}, new double[] {0.7675, 0.7580, 0.7650});
        assertEquals(0.765833333, a.mean(), 1e-9);
        // sample sd of 76.65, 76.10, 77.00: deviations 0.0667, -0.4833, 0.4167 points
        assertEquals(0.0045369, a.std(), 1e-7);
        assertArrayEquals(new double[] {-0.0010, 0.0030, 0.0050}, a.pairedDifferences(b), 1e-12);
        ObjectNode d = a.comparedWith(b);
        assertEquals(0.0023333, d.get("mean").asDouble(), 1e-7);
        // sd of the differences 0.0030551, over sqrt(3)
        assertEquals(0.0017638, d.get("standard_error").asDouble(), 1e-7);
        assertTrue(a.describe().startsWith("76.58 % mean of seeds 0, 1, 2 (76.65 / 76.10 / 77.00, sd 0.45)"),
                a.describe());
    }

    @Test
    void oneSeedKeepsTheSingleRunShape() {
        SeedAccuracies a = new SeedAccuracies(new long[] {0}, new double[] {0.5});
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        a.putInto(o);
        assertEquals(0.5, o.get("verified_accuracy").asDouble());
        assertFalse(o.has("verified_by_seed"));
        assertTrue(Double.isNaN(a.std()));
        assertEquals("50.00 % (seed 0)", a.describe());
        assertFalse(a.comparedWith(a).has("standard_error"));
    }

    @Test
    void differentSeedsDoNotPair() {
        SeedAccuracies a = new SeedAccuracies(new long[] {0, 1}, new double[] {0.5, 0.6});
        SeedAccuracies b = new SeedAccuracies(new long[] {0, 2}, new double[] {0.5, 0.6});
        KtException e = assertThrows(KtException.class, () -> a.pairedDifferences(b));
        assertTrue(e.getMessage().contains("same seeds"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SeedAccuracies(new long[0], new double[0]));
    }
}
