package kilotrain.cli;

import kilotrain.KtException;
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
        return momentum(optimizer, "--optimizer");
    }

    /** The momentum a recorded or given optimizer name means; {@code what} names the setting in the error. */
    static float momentum(String name, String what) {
        return switch (name) {
            case "sgd" -> 0f;
            case "sgdm" -> 0.9f;
            default -> throw new KtException(what + " must be sgd or sgdm, got " + name);
        };
    }

    boolean hasState() {
        return momentum() != 0f;
    }

    String name() {
        momentum();
        return optimizer;
    }
}
