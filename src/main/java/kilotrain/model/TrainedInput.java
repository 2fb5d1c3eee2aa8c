package kilotrain.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HexFormat;
import kilotrain.KtException;
import kilotrain.data.InputSpec;
import kilotrain.ir.Tensor;

/**
 * The input a model was fine-tuned on: its pixel rule and its test-time resize. A head is tuned to the features of
 * that input, and the same model scores differently through another rule (measured in docs/training.md: the QAS-off
 * row's models, trained on {@code pixel - 128}, score -0.1 to +1.1 points differently on the reference's pixels), so
 * {@code model.ktm} records it and {@code predict}, {@code eval} and {@code train} use it unless told otherwise. The
 * rule is saved as its tables, so any option that made it reads back the same.
 */
public record TrainedInput(InputSpec spec, int resizeShorter) {
    void write(ObjectNode o) {
        o.put("rule", spec.rule);
        o.put("resize_shorter", resizeShorter);
        var a = o.putArray("tables");
        for (int ch = 0; ch < spec.channels; ch++) {
            a.add(HexFormat.of().formatHex(spec.table(ch)));
        }
    }

    /** Reads the manifest's {@code input} object for the model input {@code input}; null when the model predates it. */
    static TrainedInput read(JsonNode o, Tensor input, String where) {
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
        }
        int resize = o.path("resize_shorter").asInt(0);
        if (resize < 0) {
            throw new KtException(where + ": input resize_shorter is " + resize + ", expected 0 or a size in pixels");
        }
        try {
            return new TrainedInput(InputSpec.fromTables(input, o.path("rule").asText("?"), t), resize);
        } catch (KtException e) {
            throw new KtException(where + ": " + e.getMessage());
        }
    }
}
