package kilotrain.cli;

import kilotrain.train.RunSettings;
import picocli.CommandLine.Option;

/**
 * The optimizer, one declaration for every command that trains or plans a step: train runs it, compile and
 * device-bench emit it, plan counts its state in the memory plan, so all four must read the same word the same way.
 */
final class OptimizerOption {
    @Option(names = "--optimizer", defaultValue = "sgd",
            description = "sgd (no state, the device default) or sgdm (momentum 0.9: a float of state per trained "
                    + "element) (default ${DEFAULT-VALUE}).")
    String optimizer;

    float momentum() {
        return RunSettings.momentum(optimizer, "--optimizer");
    }

    boolean hasState() {
        return momentum() != 0f;
    }

    String name() {
        momentum();
        return optimizer;
    }
}
