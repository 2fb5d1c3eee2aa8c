package kilotrain.cli;

import picocli.CommandLine.Mixin;

/**
 * What decides the device's training step besides the scheme: the input convention, the update rules and the
 * classifier head. plan and device-bench take these; train and analyze take them with the samples
 * ({@link FineTuneOptions}).
 */
class StepOptions {
    @Mixin
    InputOptions input;

    @Mixin
    UpdateRuleOptions rules;

    @Mixin
    HeadOption head;
}
