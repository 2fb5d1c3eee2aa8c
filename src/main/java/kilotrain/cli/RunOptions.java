package kilotrain.cli;

import kilotrain.KtException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How a host fine-tune runs besides its length: learning rate, batch, QAS, seed, resolution and threads. train and
 * analyze take the same set (each with its own epochs), so an analysis measures what train runs.
 */
final class RunOptions {
    @Option(names = "--lr", defaultValue = "0.025", description = "Base learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--batch", defaultValue = "64", description = "Samples per update; gradients accumulate one "
            + "sample at a time as on the device (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--qas", defaultValue = "on", description = "Quantization-aware scaling: on or off (default "
            + "${DEFAULT-VALUE}).")
    String qas;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the head, the shuffles and the augmentations.")
    long seed;

    @Mixin
    ImageSizeOption image;

    @Mixin
    ThreadsOption threads;

    /** Checks every value before the model or the data is read. */
    void check() {
        Checks.positive("--lr", lr);
        Checks.atLeast("--batch", batch, 1);
        image.value();
        threads.check();
        qas();
    }

    boolean qas() {
        return switch (qas) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new KtException("--qas must be on or off, got " + qas);
        };
    }

    int imageSize() {
        return image.imageSize;
    }
}
