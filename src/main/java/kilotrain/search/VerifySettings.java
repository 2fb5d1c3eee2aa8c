package kilotrain.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import kilotrain.KtException;
import kilotrain.train.RunSettings;

/**
 * The settings {@code plan --verify} fine-tunes with: the analysis' recorded ones, with the keys the user replaced
 * ({@code --verify-set KEY=VALUE}). A contribution analysis is affordable only at reduced fidelity (fewer images and
 * epochs), while the verdict on a scheme needs the full protocol, hence the override.
 */
public final class VerifySettings {
    private static final List<String> INTS = List.of("epochs", "warmup_epochs", "batch", "train_limit",
            "train_limit_per_class", "test_limit", "test_limit_per_class", "image_size", "seed");
    private static final List<String> WORDS = List.of("qas", "update_rule", "bias_rule", "max_step", "augment",
            "head", "optimizer");
    /** A constant for picocli's help text; {@code apply} names the same keys. */
    public static final String KEYS_TEXT = "data, epochs, warmup_epochs, batch, train_limit, train_limit_per_class, test_limit, "
            + "test_limit_per_class, image_size, seed, lr, qas, update_rule, bias_rule, max_step, augment, head, optimizer, "
            + "skip_bad_samples, label_column, target_columns";

    private VerifySettings() {
    }

    public static JsonNode apply(JsonNode recorded, Map<String, String> overrides, Path analysis) {
        if (!recorded.has("data")) {
            if (overrides.isEmpty()) {
                return recorded;
            }
            throw new KtException(analysis + ": the analysis records no settings to verify with");
        }
        ObjectNode s = recorded.deepCopy();
        // what the analysis run itself cost says nothing about the verification
        s.remove(List.of("wall_seconds", "measured_this_run"));
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            String k = e.getKey().trim();
            String v = e.getValue().trim();
            if (INTS.contains(k)) {
                try {
                    int n = Integer.parseInt(v);
                    if (n < 0 || (n == 0 && (k.equals("epochs") || k.equals("batch")))) {
                        throw new NumberFormatException();
                    }
                    s.put(k, n);
                } catch (NumberFormatException x) {
                    throw new KtException("--verify-set " + k + "=" + v + ": expected a "
                            + (k.equals("epochs") || k.equals("batch") ? "positive" : "non-negative") + " integer");
                }
            } else if (k.equals("lr")) {
                double lr;
                try {
                    lr = Double.parseDouble(v);
                } catch (NumberFormatException x) {
                    lr = Double.NaN;
                }
                if (!(lr > 0) || Double.isInfinite(lr)) {
                    throw new KtException("--verify-set lr=" + v + ": expected a positive learning rate");
                }
                s.put(k, lr);
            } else if (k.equals("skip_bad_samples")) {
                if (!v.equals("true") && !v.equals("false")) {
                    throw new KtException("--verify-set skip_bad_samples=" + v + ": expected true or false");
                }
                s.put(k, Boolean.parseBoolean(v));
            } else if (k.equals("label_column") || k.equals("target_columns")) {
                if (v.isEmpty()) {
                    throw new KtException("--verify-set " + k + "=: expected a column name");
                }
                s.put(k, v);
                s.remove(k.equals("label_column") ? "target_columns" : "label_column");
            } else if (k.equals("data")) {
                Path d = Path.of(v);
                if (!java.nio.file.Files.isDirectory(d) && !(java.nio.file.Files.isRegularFile(d)
                        && v.toLowerCase(java.util.Locale.ROOT).endsWith(".csv"))) {
                    throw new KtException("--verify-set data=" + v + ": not a folder or a .csv file");
                }
                s.put(k, d.toAbsolutePath().normalize().toString());
            } else if (WORDS.contains(k)) {
                checkWord(k, v);
                s.put(k, v);
            } else {
                throw new KtException("--verify-set: unknown setting '" + k + "'; settings that can be replaced: "
                        + KEYS_TEXT);
            }
        }
        return s;
    }

    /** A misspelt word fails here, before the search, not after it when the verification starts. */
    private static void checkWord(String k, String v) {
        try {
            check(k, v);
        } catch (KtException e) {
            throw new KtException("--verify-set " + k + "=" + v + ": " + e.getMessage());
        }
    }

    private static void check(String k, String v) {
        switch (k) {
            case "qas" -> {
                if (!v.equals("on") && !v.equals("off")) {
                    throw new KtException("qas must be on or off, got " + v);
                }
            }
            case "update_rule" -> RunSettings.weightRule(v);
            case "bias_rule" -> RunSettings.biasRule(v);
            case "max_step" -> RunSettings.maxStep(v);
            case "augment" -> RunSettings.augmentation(v);
            case "head" -> kilotrain.compiler.TrainSpec.Head.parse(v);
            case "optimizer" -> RunSettings.momentum(v, "optimizer");
            default -> throw new IllegalStateException(k);
        }
    }
}
