package kilotrain.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import kilotrain.KtException;

/**
 * A dataset's train and test parts. {@code test} is null when the dataset has no test part (a plain class folder).
 */
public record DatasetSplit(Dataset train, Dataset test) {

    public DatasetSplit {
        if (test != null && train != null && !test.targetNames().equals(train.targetNames())) {
            throw new KtException("test set " + test.source() + " has targets " + test.targetNames()
                    + " but train set " + train.source() + " has " + train.targetNames());
        }
        if (test != null && train != null && !test.classes().equals(train.classes())) {
            throw new KtException("test set " + test.source() + " has classes " + test.classes()
                    + " but train set " + train.source() + " has " + train.classes());
        }
    }

    public boolean hasTest() {
        return test != null;
    }

    /**
     * Opens a dataset, recognising its layout:
     * <ul>
     * <li>{@code root/train/<class>/...} and {@code root/test/<class>/...} (or {@code val/}): image or raw tensor
     * folders;</li>
     * <li>MNIST idx files {@code train-*} and {@code t10k-*};</li>
     * <li>CIFAR-10 binary batches {@code data_batch_*.bin} and {@code test_batch.bin};</li>
     * <li>NumPy arrays {@code x_train.npy}, {@code y_train.npy}, {@code x_test.npy}, {@code y_test.npy}, CSV files
     * {@code train.csv} and {@code test.csv}, or a single {@code .csv} file as {@code root} (train only), see
     * {@link NumericDatasets};</li>
     * <li>a single class folder {@code root/<class>/...}: train only.</li>
     * </ul>
     * The limits of {@code options} apply to train and test separately.
     */
    public static DatasetSplit open(Path root, LoadOptions options) {
        return open(root, options, options);
    }

    /** The test part alone (evaluation reads nothing else); a dataset without one is evaluated whole. */
    public static Dataset openTest(Path root, LoadOptions options) {
        DatasetSplit s = open(root, null, options);
        return s.test != null ? s.test : s.train;
    }

    /**
     * As {@link #open(Path, LoadOptions)} with separate options for the two parts; a null option leaves that part
     * unread (null), except that a dataset without a test part always reads its train part.
     */
    public static DatasetSplit open(Path root, LoadOptions trainOptions, LoadOptions testOptions) {
        LoadOptions options = trainOptions != null ? trainOptions : testOptions;
        if (Files.isRegularFile(root) && FolderDatasets.extension(root).equals("csv")) {
            return NumericDatasets.openCsvFile(root, options);
        }
        if (!Files.isDirectory(root)) {
            throw new KtException("dataset " + root + " does not exist or is not a folder (or a .csv file)");
        }
        if (NumericDatasets.hasArrays(root)) {
            return NumericDatasets.openArrays(root, trainOptions, testOptions);
        }
        if (NumericDatasets.hasCsv(root)) {
            return NumericDatasets.openCsv(root, trainOptions, testOptions);
        }
        Path train = root.resolve("train");
        if (Files.isDirectory(train)) {
            Path test = Files.isDirectory(root.resolve("test")) ? root.resolve("test")
                    : Files.isDirectory(root.resolve("val")) ? root.resolve("val") : null;
            Dataset te = test == null || testOptions == null ? null : FolderDatasets.open(test, testOptions);
            Dataset tr = trainOptions == null && te != null ? null : FolderDatasets.open(train, options);
            return new DatasetSplit(tr, te);
        }
        if (MnistDataset.present(root, "train")) {
            Dataset te = testOptions != null && MnistDataset.present(root, "t10k")
                    ? MnistDataset.open(root, "t10k", testOptions) : null;
            Dataset tr = trainOptions == null && te != null ? null : MnistDataset.open(root, "train", options);
            return new DatasetSplit(tr, te);
        }
        Path cifar = Cifar10Binary.locate(root);
        if (cifar != null) {
            Dataset te = testOptions != null && Files.isRegularFile(cifar.resolve("test_batch.bin"))
                    ? Cifar10Binary.openTest(cifar, testOptions) : null;
            Dataset tr = trainOptions == null && te != null ? null : Cifar10Binary.openTrain(cifar, options);
            return new DatasetSplit(tr, te);
        }
        if (hasSubfolders(root)) {
            return new DatasetSplit(FolderDatasets.open(root, options), null);
        }
        throw new KtException("unrecognised dataset layout in " + root + ": expected train/ and test/ class folders,"
                + " MNIST idx files (train-images-idx3-ubyte...), CIFAR-10 binary batches (data_batch_1.bin...),"
                + " NumPy arrays (x_train.npy, y_train.npy...), CSV files (train.csv, test.csv) or class sub-folders");
    }

    private static boolean hasSubfolders(Path root) {
        try (Stream<Path> s = Files.list(root)) {
            return s.anyMatch(p -> Files.isDirectory(p) && !p.getFileName().toString().startsWith("."));
        } catch (IOException e) {
            throw new KtException("cannot list dataset folder " + root + ": " + e, e);
        }
    }
}
