package kilotrain.compiler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import kilotrain.KtException;

/**
 * A sparse-update scheme: the new classifier head always trains; the biases of the last {@code biasLastK}
 * convolutions train; and the weights of the listed convolutions train on a fraction of their input channels (of
 * their channels for depthwise). Convolutions are indexed from the input as in the paper's tables (0 .. N-1 for the
 * backbone, N for the classifier), and, as in the paper, "the last k" counts the classifier: {@code bias-only:22} on
 * MCUNet (convs 0..41, classifier 42) trains the biases of convs 21..41 and the head, which is why the published
 * schemes' weight layers never start below {@code N + 1 - k}. {@code biasLastK = -1} means "all biases".
 */
public final class Scheme {
    public final String name;
    public final int biasLastK;
    /** conv index -> channel ratio in (0, 1]; ratio 0 entries of the paper's tables are dropped (bias only). */
    public final Map<Integer, Double> weightRatios;
    /** Train the weights and biases of every backbone conv (the "full" update). */
    public final boolean full;

    public Scheme(String name, int biasLastK, Map<Integer, Double> weightRatios, boolean full) {
        this.name = name;
        this.biasLastK = biasLastK;
        TreeMap<Integer, Double> w = new TreeMap<>();
        for (Map.Entry<Integer, Double> e : weightRatios.entrySet()) {
            double r = e.getValue();
            if (!(r >= 0 && r <= 1)) {
                throw new KtException("scheme '" + name + "': conv " + e.getKey() + " has channel ratio " + r
                        + "; ratios must be in [0, 1]");
            }
            if (e.getKey() < 0) {
                throw new KtException("scheme '" + name + "': negative conv index " + e.getKey());
            }
            if (r > 0) {
                w.put(e.getKey(), r);
            }
        }
        this.weightRatios = Collections.unmodifiableMap(w);
        this.full = full;
    }

    public static Scheme classifierOnly() {
        return new Scheme("classifier-only", 0, Map.of(), false);
    }

    public static Scheme biasOnly(int k) {
        return new Scheme("bias-only:" + k, k, Map.of(), false);
    }

    public static Scheme full() {
        return new Scheme("full", -1, Map.of(), true);
    }

    /** Weights and biases of the last k convs, the classifier counted among them; needs the backbone's conv count. */
    public static Scheme lastK(int k, int backboneConvs) {
        TreeMap<Integer, Double> w = new TreeMap<>();
        for (int i = Math.max(0, backboneConvs + 1 - k); i < backboneConvs; i++) {
            w.put(i, 1.0);
        }
        return new Scheme("last-k:" + k, k, w, false);
    }

    /** Whether the bias of backbone conv {@code index} trains, given the backbone's conv count. */
    public boolean trainsBias(int index, int backboneConvs) {
        return full || biasLastK < 0 || index >= backboneConvs + 1 - biasLastK;
    }

    /** Channel ratio of the weights of backbone conv {@code index}; 0 when its weights are frozen. */
    public double weightRatio(int index) {
        if (full) {
            return 1.0;
        }
        return weightRatios.getOrDefault(index, 0.0);
    }

    /** Checks the scheme against a model with {@code backboneConvs} backbone convolutions. */
    public void validate(int backboneConvs, String model) {
        if (biasLastK > backboneConvs + 1) {
            throw new KtException("scheme '" + name + "' trains the biases of the last " + biasLastK + " convs but "
                    + model + " has only " + (backboneConvs + 1) + " (classifier included)");
        }
        for (int i : weightRatios.keySet()) {
            if (i >= backboneConvs) {
                throw new KtException("scheme '" + name + "' trains conv " + i + " but " + model + " has backbone convs 0.."
                        + (backboneConvs - 1) + " (the classifier is always trained and is not indexed)");
            }
        }
    }

    /**
     * Resolves a scheme name or file: {@code classifier-only}, {@code bias-only:K}, {@code last-k:K}, {@code full},
     * a published {@code model:NNkb} scheme, or the path of a scheme JSON file.
     */
    public static Scheme resolve(String spec, int backboneConvs) {
        String s = spec.trim();
        try {
            if (s.equals("classifier-only")) {
                return classifierOnly();
            }
            if (s.equals("full")) {
                return full();
            }
            if (s.startsWith("bias-only:")) {
                return biasOnly(Integer.parseInt(s.substring("bias-only:".length())));
            }
            if (s.startsWith("last-k:")) {
                return lastK(Integer.parseInt(s.substring("last-k:".length())), backboneConvs);
            }
        } catch (NumberFormatException e) {
            throw new KtException("scheme '" + spec + "': the number after ':' is not an integer");
        }
        Scheme published = PublishedSchemes.get(s);
        if (published != null) {
            return published;
        }
        Path p = Path.of(s);
        if (Files.isRegularFile(p)) {
            return read(p);
        }
        throw new KtException("unknown scheme '" + spec + "': use classifier-only, bias-only:K, last-k:K, full, a published "
                + "scheme (" + String.join(", ", PublishedSchemes.names()) + ") or a scheme file");
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    public static Scheme read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new KtException("cannot read scheme file " + file + ": " + e.getMessage());
        }
        return fromJson(root, "scheme file " + file, file.getFileName().toString());
    }

    /** Parses the scheme file format from JSON; {@code where} names the source in errors. */
    public static Scheme fromJson(JsonNode root, String where, String defaultName) {
        Object file = where;
        if (root == null || !root.isObject()) {
            throw new KtException(where + ": expected a JSON object");
        }
        String name = root.path("name").asText(defaultName);
        boolean full = root.path("full").asBoolean(false);
        int k = root.path("bias_last_k").asInt(0);
        TreeMap<Integer, Double> w = new TreeMap<>();
        JsonNode weights = root.path("weights");
        if (!weights.isMissingNode() && !weights.isArray()) {
            throw new KtException(file + ": 'weights' must be a list of {conv, ratio}");
        }
        for (JsonNode n : weights) {
            if (!n.has("conv") || !n.has("ratio")) {
                throw new KtException(file + ": every entry of 'weights' needs 'conv' and 'ratio'");
            }
            w.put(n.get("conv").asInt(), parseRatio(n.get("ratio").asText(), file));
        }
        return new Scheme(name, k, w, full);
    }

    static double parseRatio(String text, Object where) {
        String t = text.trim();
        try {
            int slash = t.indexOf('/');
            if (slash > 0) {
                return Double.parseDouble(t.substring(0, slash)) / Double.parseDouble(t.substring(slash + 1));
            }
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new KtException(where + ": channel ratio '" + text + "' is not a number or fraction");
        }
    }

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", name);
        o.put("bias_last_k", biasLastK);
        if (full) {
            o.put("full", true);
        }
        ArrayNode arr = o.putArray("weights");
        for (Map.Entry<Integer, Double> e : weightRatios.entrySet()) {
            ObjectNode n = arr.addObject();
            n.put("conv", e.getKey());
            n.put("ratio", e.getValue());
        }
        return o;
    }

    /** Writes the scheme as JSON atomically (temp file + move), never leaving a half-written file. */
    public void write(Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".scheme", ".tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), toJson());
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new KtException("cannot write scheme file " + file + ": " + e.getMessage());
        }
    }

    /** Whether both train the same parameters, whatever they are called. */
    public boolean sameUpdates(Scheme o) {
        return biasLastK == o.biasLastK && full == o.full && weightRatios.equals(o.weightRatios);
    }

    public List<Integer> weightLayers() {
        return new ArrayList<>(weightRatios.keySet());
    }

    @Override
    public String toString() {
        return name + " (biases of last " + (biasLastK < 0 ? "all" : biasLastK) + " convs, weights " + weightRatios + ")";
    }
}
