package kilotrain.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import kilotrain.KtException;

/**
 * The CIFAR-10 binary release: {@code data_batch_1.bin .. data_batch_5.bin} (train) and {@code test_batch.bin}
 * (test), records of 1 label byte + 3072 bytes (1024 R, 1024 G, 1024 B, row-major 32x32), stored here as HWC.
 * Class names come from {@code batches.meta.txt} (one per line) when present. The files may sit in the given
 * folder or in its {@code cifar-10-batches-bin/} sub-folder.
 */
public final class Cifar10Binary {
    static final int SIDE = 32;
    static final int RECORD = 1 + 3 * SIDE * SIDE;
    static final List<String> DEFAULT_CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
            "horse", "ship", "truck");
    private static final Pattern TRAIN = Pattern.compile("data_batch_(\\d+)\\.bin");

    private Cifar10Binary() {
    }

    /** The folder holding the batches: {@code dir} or {@code dir/cifar-10-batches-bin}, or null. */
    static Path locate(Path dir) {
        for (Path d : List.of(dir, dir.resolve("cifar-10-batches-bin"))) {
            if (Files.isRegularFile(d.resolve("test_batch.bin")) || !trainFiles(d).isEmpty()) {
                return d;
            }
        }
        return null;
    }

    public static Dataset openTrain(Path dir, LoadOptions options) {
        Path d = require(dir);
        List<Path> files = trainFiles(d);
        if (files.isEmpty()) {
            throw new KtException("no CIFAR-10 training batches data_batch_*.bin in " + d);
        }
        return open(d, files, options);
    }

    public static Dataset openTest(Path dir, LoadOptions options) {
        Path d = require(dir);
        Path f = d.resolve("test_batch.bin");
        if (!Files.isRegularFile(f)) {
            throw new KtException("no CIFAR-10 test batch test_batch.bin in " + d);
        }
        return open(d, List.of(f), options);
    }

    private static Path require(Path dir) {
        Path d = locate(dir);
        if (d == null) {
            throw new KtException("no CIFAR-10 binary batches (data_batch_*.bin, test_batch.bin) in " + dir);
        }
        return d;
    }

    /** Reads the given batch files in order. */
    public static Dataset open(Path dir, List<Path> files, LoadOptions options) {
        List<String> classes = classNames(dir);
        List<byte[]> contents = new ArrayList<>();
        int total = 0;
        for (Path f : files) {
            byte[] b = BinaryFiles.read(f);
            if (b.length == 0 || b.length % RECORD != 0) {
                throw new KtException("CIFAR-10 batch " + f + " has " + b.length + " bytes, not a whole number of "
                        + RECORD + "-byte records (truncated after record " + b.length / RECORD + "?)");
            }
            for (int off = 0; off < b.length; off += RECORD) {
                int label = b[off] & 0xFF;
                if (label >= classes.size()) {
                    throw new KtException("CIFAR-10 batch " + f + " record " + off / RECORD + " (offset " + off
                            + ") has label " + label + ", there are " + classes.size() + " classes");
                }
            }
            contents.add(b);
            total += b.length / RECORD;
        }
        int[] labels = new int[total];
        int[] fileOf = new int[total];
        int[] recordOf = new int[total];
        int k = 0;
        for (int fi = 0; fi < contents.size(); fi++) {
            byte[] b = contents.get(fi);
            for (int r = 0; r < b.length / RECORD; r++) {
                labels[k] = b[r * RECORD] & 0xFF;
                fileOf[k] = fi;
                recordOf[k] = r;
                k++;
            }
        }
        int[] keep = Selection.select(labels, classes.size(), options.limitPerClass(), options.limit());
        int m = keep.length;
        byte[][] data = new byte[m][];
        int[] h = new int[m];
        int[] w = new int[m];
        int[] c = new int[m];
        int[] kept = new int[m];
        int plane = SIDE * SIDE;
        for (int j = 0; j < m; j++) {
            int i = keep[j];
            byte[] b = contents.get(fileOf[i]);
            int base = recordOf[i] * RECORD + 1;
            byte[] px = new byte[3 * plane];
            for (int p = 0; p < plane; p++) {
                px[3 * p] = b[base + p];
                px[3 * p + 1] = b[base + plane + p];
                px[3 * p + 2] = b[base + 2 * plane + p];
            }
            data[j] = px;
            h[j] = SIDE;
            w[j] = SIDE;
            c[j] = 3;
            kept[j] = labels[i];
        }
        List<String> fileNames = files.stream().map(p -> p.getFileName().toString()).toList();
        return new Dataset(dir.toString(), Dataset.Kind.IMAGE, classes, data, h, w, c, kept,
                j -> fileNames.get(fileOf[keep[j]]) + " record " + recordOf[keep[j]], List.of());
    }

    static List<Path> trainFiles(Path d) {
        if (!Files.isDirectory(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> TRAIN.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingInt(p -> batchNumber(p)))
                    .toList();
        } catch (IOException e) {
            throw new KtException("cannot list " + d + ": " + e, e);
        }
    }

    private static int batchNumber(Path p) {
        Matcher m = TRAIN.matcher(p.getFileName().toString());
        m.matches();
        return Integer.parseInt(m.group(1));
    }

    private static List<String> classNames(Path dir) {
        Path meta = dir.resolve("batches.meta.txt");
        if (!Files.isRegularFile(meta)) {
            return DEFAULT_CLASSES;
        }
        try {
            List<String> names = Files.readAllLines(meta, StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(s -> !s.isEmpty()).toList();
            if (names.isEmpty()) {
                throw new KtException("CIFAR-10 class list " + meta + " is empty");
            }
            return names;
        } catch (IOException e) {
            throw new KtException("cannot read " + meta + ": " + e, e);
        }
    }
}
