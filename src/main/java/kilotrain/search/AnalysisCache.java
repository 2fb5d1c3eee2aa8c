package kilotrain.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import kilotrain.KtException;
import kilotrain.util.AtomicFiles;

/**
 * One JSON file per finished measurement under {@code DIR/measurements}, written atomically, so an interrupted
 * analysis resumes where it stopped and a half-written file never exists. Every file carries the settings
 * fingerprint (model, data, subset, epochs, lr, seed...): a file made under other settings is not reused.
 */
public final class AnalysisCache {
    public record Entry(double accuracy, double seconds) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final String settings;

    public AnalysisCache(Path outDir, String settings) {
        this.dir = outDir.resolve("measurements");
        this.settings = settings;
    }

    public Path file(Measurement m) {
        return dir.resolve(Measurement.fileSafe(m.id()) + ".json");
    }

    /** The cached result, or null when there is none for these settings. */
    public Entry load(Measurement m) {
        Path f = file(m);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        JsonNode n;
        try {
            n = JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new KtException("cannot read cached measurement " + f + ": " + e.getMessage()
                    + " (delete the file to measure it again)");
        }
        if (n == null || !settings.equals(n.path("settings").asText()) || !n.path("accuracy").isNumber()) {
            return null;
        }
        return new Entry(n.get("accuracy").asDouble(), n.path("seconds").asDouble());
    }

    public void store(Measurement m, Entry e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", m.id());
        o.set("scheme", m.scheme().toJson());
        o.put("accuracy", e.accuracy());
        o.put("seconds", e.seconds());
        o.put("settings", settings);
        AtomicFiles.write(file(m), out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, o));
    }
}
