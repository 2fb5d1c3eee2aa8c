package kilotrain.cli;

import kilotrain.program.TrainState;
import picocli.CommandLine.Option;

/**
 * The device batch: how many samples the generated step sums gradients over before it updates (compile, device-bench,
 * device-demo). Chosen at compile time; the sums take a float per trained element of SRAM, counted in the footprint.
 */
final class AccumulateOption {
    @Option(names = "--accumulate", paramLabel = "B", defaultValue = "1",
            description = "Samples per update on the device: kt_learn / kt_train_step sum B samples' gradients (a "
                    + "float32 per trained element) and update on every B-th, as the Java twin's batch of B "
                    + "(default ${DEFAULT-VALUE}: an update per sample).")
    int batch;

    TrainState.Options apply(TrainState.Options o) {
        Checks.atLeast("--accumulate", batch, 1);
        return o.withDeviceBatch(batch);
    }
}
