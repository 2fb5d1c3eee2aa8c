package kilotrain.cli;

import java.util.Locale;
import kilotrain.KtException;
import kilotrain.program.TrainState;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.Int8WeightUpdate;
import kilotrain.ops.update.WeightRounding;
import picocli.CommandLine.Option;

/** How the device's int8 weights and int32 biases absorb updates: the same options for every command that trains,
 *  compiles or plans a training step, so a scheme is planned, simulated and generated under one rule. */
final class UpdateRuleOptions {
    @Option(names = "--update-rule", defaultValue = "stochastic",
            description = "How int8 weights absorb updates: device (the reference's truncation), nearest, stochastic "
                    + "(default: best measured accuracy, no float copy in SRAM) or shadow (float32 copy of the trained "
                    + "slice).")
    String updateRule;

    @Option(names = "--bias-rule", defaultValue = "shadow",
            description = "How int32 biases absorb updates: nearest or shadow (default: a float32 copy of the trained "
                    + "biases).")
    String biasRule;

    @Option(names = "--max-step", defaultValue = MAX_STEP_DEFAULT, paramLabel = "STEPS",
            description = "Largest change of an int8 weight in one update, in quantization steps, e.g. 1; 'none': no "
                    + "limit (default ${DEFAULT-VALUE}).")
    String maxStep;

    static final String MAX_STEP_DEFAULT = "1";

    WeightRounding weightRule() {
        return weightRule(updateRule);
    }

    BiasRounding biasRounding() {
        return biasRule(biasRule);
    }

    boolean weightShadow() {
        return weightRule() == WeightRounding.FLOAT_SHADOW;
    }

    boolean biasShadow() {
        return biasRounding() == BiasRounding.FLOAT_SHADOW;
    }

    float maxStep() {
        return maxStep(maxStep);
    }

    /** Checks all three options, so a typo fails before any work. */
    void validate() {
        weightRule();
        biasRounding();
        maxStep();
    }

    TrainState.Options options(boolean qas, float momentum, int seed) {
        return new TrainState.Options(qas, momentum, weightRule(), biasRounding(), seed, maxStep());
    }

    static WeightRounding weightRule(String r) {
        return switch (r) {
            case "device" -> WeightRounding.DEVICE_TRUNCATE;
            case "nearest" -> WeightRounding.NEAREST_EVEN;
            case "stochastic" -> WeightRounding.STOCHASTIC;
            case "shadow" -> WeightRounding.FLOAT_SHADOW;
            default -> throw new KtException("--update-rule must be device, nearest, stochastic or shadow, got " + r);
        };
    }

    static BiasRounding biasRule(String r) {
        return switch (r) {
            case "nearest" -> BiasRounding.NEAREST_EVEN;
            case "shadow" -> BiasRounding.FLOAT_SHADOW;
            default -> throw new KtException("--bias-rule must be nearest or shadow, got " + r);
        };
    }

    static float maxStep(String v) {
        String t = v.trim().toLowerCase(Locale.ROOT);
        if (t.equals("none")) {
            return Int8WeightUpdate.UNLIMITED;
        }
        float f;
        try {
            f = Float.parseFloat(t);
        } catch (NumberFormatException e) {
            f = Float.NaN;
        }
        if (!(f > 0) || Float.isInfinite(f)) {
            throw new KtException("--max-step must be a positive number of quantization steps or 'none', got " + v);
        }
        return f;
    }

    /** The value as the user would write it back ("none" for no limit). */
    static String text(float maxStep) {
        return maxStep == Int8WeightUpdate.UNLIMITED ? "none" : Float.toString(maxStep);
    }
}
