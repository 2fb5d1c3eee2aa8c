package kilotrain.cli;

import picocli.CommandLine.Option;

/** {@code --image-size}: the input resolution a paper model is imported at (train, analyze, plan). */
final class ImageSizeOption {
    @Option(names = "--image-size", defaultValue = "0", description = "Input resolution the paper's models train "
            + "at, and plan's memory is planned for (default: the model's own, 128).")
    int imageSize;

    /** Checks the value before any work. */
    int value() {
        Checks.notNegative("--image-size", imageSize);
        return imageSize;
    }
}
