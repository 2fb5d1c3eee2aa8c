package kilotrain.cli;

import java.nio.file.Path;
import kilotrain.KtException;
import kilotrain.train.RunSettings;
import kilotrain.data.DatasetSplit;
import kilotrain.data.LoadOptions;
import kilotrain.data.TrainAugment;
import kilotrain.ir.Graph;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Which samples a fine-tune reads and how training samples are augmented (train and analyze). */
final class SubsetOptions {
    @Option(names = "--augment", defaultValue = "standard",
            description = "standard (random resized crop 0.08-1, flip, colour jitter 0.4 in torchvision's float arithmetic), "
                    + "pil (the same with the jitter in Pillow's uint8 arithmetic, as torchvision on image files) or none "
                    + "(default ${DEFAULT-VALUE}).")
    String augment;

    @Option(names = "--train-limit", defaultValue = "0", description = "At most N training samples (class-balanced).")
    int trainLimit;

    @Option(names = "--train-limit-per-class", defaultValue = "0", description = "First N training samples of each class.")
    int trainPerClass;

    @Option(names = "--test-limit", defaultValue = "0", description = "At most N test samples (class-balanced).")
    int testLimit;

    @Option(names = "--test-limit-per-class", defaultValue = "0", description = "First N test samples of each class.")
    int testPerClass;

    @Mixin
    SampleOptions samples;

    /** Checks the values before any work. */
    void check() {
        Checks.notNegative("--train-limit", trainLimit);
        Checks.notNegative("--train-limit-per-class", trainPerClass);
        Checks.notNegative("--test-limit", testLimit);
        Checks.notNegative("--test-limit-per-class", testPerClass);
        augmentation();
        samples.apply(LoadOptions.defaults());
    }

    DatasetSplit open(Path data, Graph graph) {
        return RunSettings.split(data, graph.input, trainLimit, trainPerClass, testLimit, testPerClass,
                samples.apply(LoadOptions.defaults()));
    }

    TrainAugment augmentation() {
        return RunSettings.augmentation(augment);
    }
}
