package kilotrain.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import kilotrain.data.LoadOptions;
import org.junit.jupiter.api.Test;

/** plan --verify reads the samples as the analysis did: unreadable ones skipped, the same CSV columns. */
class PlanVerifyOptionsTest {
    @Test
    void verificationReadsSamplesAsTheAnalysisRecordedIt() {
        ObjectNode s = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        s.put("data", "/d");
        LoadOptions plain = PlanVerification.recordedSampleOptions(s);
        assertEquals(LoadOptions.OnUnreadable.FAIL, plain.onUnreadable());
        assertNull(plain.labelColumn());
        s.put("skip_bad_samples", true);
        s.put("target_columns", "y1,y2");
        LoadOptions o = PlanVerification.recordedSampleOptions(s);
        assertEquals(LoadOptions.OnUnreadable.SKIP, o.onUnreadable());
        assertEquals(List.of("y1", "y2"), o.targetColumns());
        // --verify-set replaces them (a label column replaces the target columns)
        ObjectNode v = (ObjectNode) VerifySettings.apply(s, Map.of("label_column", "kind", "skip_bad_samples",
                "false"), Path.of("analysis"));
        LoadOptions w = PlanVerification.recordedSampleOptions(v);
        assertEquals("kind", w.labelColumn());
        assertTrue(w.targetColumns() == null || w.targetColumns().isEmpty());
        assertEquals(LoadOptions.OnUnreadable.FAIL, w.onUnreadable());
    }
}
