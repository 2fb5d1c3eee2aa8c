package kilotrain.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HexFormat;
import kilotrain.KtException;
import kilotrain.data.InputSpec;
import kilotrain.ir.Tensor;

/**
 * The input a model was fine-tuned on: its pixel rule (as tables, so any option that made it reads back the same) and
 * its test-time resize. A fine-tuned model's features are tuned to that input; evaluated through another rule it
 * silently loses accuracy (the paper's MCUNet trained on the reference's pixels loses up to a point on {@code pixel -
 * 128}), so {@code model.ktm} records it and {@code predict} / {@code eval} use it unless told otherwise.
 */
public record TrainedInput(String rule, byte[][] tables, int resizeShorter) {
    public static TrainedInput of(InputSpec spec, int resizeShorter) {
        byte[][] t = new byte[spec.channels][];
        for (int ch = 0; ch < t.length; ch++) {
            t[ch] = spec.table(ch);
        }
        return new TrainedInput(spec.rule, t, resizeShorter);
    }

    public InputSpec spec(Tensor input) {
        return InputSpec.fromTables(input, rule, tables);
    }

    void write(ObjectNode o) {
        o.put("rule", rule);
        o.put("resize_shorter", resizeShorter);
        var a = o.putArray("tables");
        for (byte[] t : tables) {
            a.add(HexFormat.of().formatHex(t));
        }
    }

    /** Reads the manifest's {@code input} object; null when the model predates it. */
    static TrainedInput read(JsonNode o, String where) {
        if (o.isMissingNode() || o.isNull()) {
            return null;
        }
        JsonNode a = o.path("tables");
        if (!a.isArray() || a.size() == 0) {
            throw new KtException(where + ": input has no pixel tables");
        }
        byte[][] t = new byte[a.size()][];
        for (int ch = 0; ch < t.length; ch++) {
            try {
                t[ch] = HexFormat.of().parseHex(a.get(ch).asText());
            } catch (IllegalArgumentException e) {
                throw new KtException(where + ": input table " + ch + " is not hex: " + e.getMessage());
            }
            if (t[ch].length != 256) {
                throw new KtException(where + ": input table " + ch + " has " + t[ch].length + " values, expected 256");
            }
        }
        int resize = o.path("resize_shorter").asInt(0);
        if (resize < 0) {
            throw new KtException(where + ": input resize_shorter is " + resize + ", expected 0 or a size in pixels");
        }
        return new TrainedInput(o.path("rule").asText("?"), t, resize);
    }
}
