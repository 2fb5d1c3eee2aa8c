package kilotrain.cli;

import picocli.CommandLine.Mixin;

/**
 * Everything that decides how a fine-tune runs besides its schedule: the input convention, the device's update rules,
 * the classifier head and the samples. train and analyze take the same set, so an analysis measures what train runs.
 */
final class FineTuneOptions {
    @Mixin
    InputOptions input;

    @Mixin
    UpdateRuleOptions rules;

    @Mixin
    HeadOption head;

    @Mixin
    SubsetOptions subset;
}
