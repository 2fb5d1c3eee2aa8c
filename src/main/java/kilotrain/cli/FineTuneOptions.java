package kilotrain.cli;

import picocli.CommandLine.Mixin;

/**
 * Everything that decides how a fine-tune runs besides its schedule: the step's options and the samples. train and
 * analyze take the same set, so an analysis measures what train runs.
 */
final class FineTuneOptions extends StepOptions {
    @Mixin
    SubsetOptions subset;

    /** Checks every option value before any work. */
    void check() {
        subset.check();
        input.check();
        rules.validate();
        head.asked();
    }
}
