package kilotrain.model;

import java.util.List;
import kilotrain.data.InputSpec;

/**
 * What `predict` and `eval` need of a model, whether a plain imported graph or a fine-tuned one: its input, its
 * class names, and a per-thread way to score one input.
 */
public interface Predictor {
    InputSpec inputSpec();

    /**
     * The raw output tensor's bytes as the model defines its output: the int8 bytes, or for a float-interface model
     * (DEQUANTIZE last) the float32 values, little-endian, that its DEQUANTIZE computes.
     */
    default byte[] modelOutput(byte[] rawInt8, float[] scores) {
        return rawInt8;
    }

    /**
     * The scale and zero point that dequantize the model's int8 output (int8 regression targets are values in
     * them); null when unknown.
     */
    default kilotrain.ir.Quant outputQuant() {
        return null;
    }

    /** Class names in output order (generated as "0", "1", ... when the model does not know them). */
    List<String> classes();

    /** Raw input files use the model's native layout: NCHW for the paper's models. */
    boolean rawInputIsNchw();

    /** A scorer for one thread. */
    Scorer scorer();

    interface Scorer {
        /** Scores one NHWC int8 input; returns the float scores (dequantized outputs or logits). */
        float[] scores(byte[] input);

        /** The raw output tensor of the last call (int8 for graphs; the float32 logits' bytes for trained heads). */
        byte[] rawOutput();
    }
}
