package kilotrain.cli;

import kilotrain.program.TrainState;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.train.RunSettings;
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
        return RunSettings.weightRule(updateRule);
    }

    BiasRounding biasRounding() {
        return RunSettings.biasRule(biasRule);
    }

    boolean weightShadow() {
        return weightRule() == WeightRounding.FLOAT_SHADOW;
    }

    boolean biasShadow() {
        return biasRounding() == BiasRounding.FLOAT_SHADOW;
    }

    float maxStep() {
        return RunSettings.maxStep(maxStep);
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
}
