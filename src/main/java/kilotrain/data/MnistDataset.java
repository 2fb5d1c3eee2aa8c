package kilotrain.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import kilotrain.KtException;

/**
 * MNIST-style idx files: {@code <prefix>-images-idx3-ubyte} (magic 0x00000803, count, rows, cols, pixels) and
 * {@code <prefix>-labels-idx1-ubyte} (magic 0x00000801, count, labels), optionally gzip-compressed, with
 * {@code prefix} = {@code train} or {@code t10k}. Classes are the digits "0".."9" (or up to the largest label).
 */
public final class MnistDataset {
    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    private MnistDataset() {
    }

    /** Whether {@code dir} holds the idx files of the given prefix. */
    static boolean present(Path dir, String prefix) {
        return find(dir, prefix, "images", "idx3") != null && find(dir, prefix, "labels", "idx1") != null;
    }

    public static Dataset open(Path dir, String prefix, LoadOptions options) {
        Path imagesFile = find(dir, prefix, "images", "idx3");
        Path labelsFile = find(dir, prefix, "labels", "idx1");
        if (imagesFile == null || labelsFile == null) {
            throw new KtException("no MNIST files " + prefix + "-images-idx3-ubyte[.gz] and " + prefix
                    + "-labels-idx1-ubyte[.gz] in " + dir);
        }
        return open(imagesFile, labelsFile, options);
    }

    public static Dataset open(Path imagesFile, Path labelsFile, LoadOptions options) {
        byte[] img = BinaryFiles.read(imagesFile);
        byte[] lab = BinaryFiles.read(labelsFile);
        checkHeader(imagesFile, img, 16, IMAGES_MAGIC, "idx3 images");
        checkHeader(labelsFile, lab, 8, LABELS_MAGIC, "idx1 labels");
        int n = BinaryFiles.bigEndianInt(img, 4);
        int rows = BinaryFiles.bigEndianInt(img, 8);
        int cols = BinaryFiles.bigEndianInt(img, 12);
        int nLabels = BinaryFiles.bigEndianInt(lab, 4);
        if (n < 0 || rows <= 0 || cols <= 0 || (long) rows * cols > (1 << 24)) {
            throw new KtException("MNIST images file " + imagesFile + " has a bad header: " + n + " images of "
                    + rows + "x" + cols);
        }
        if (n != nLabels) {
            throw new KtException("MNIST images file " + imagesFile + " has " + n + " images but labels file "
                    + labelsFile + " has " + nLabels + " labels");
        }
        int pixels = rows * cols;
        long needImages = 16L + (long) n * pixels;
        if (img.length < needImages) {
            throw new KtException("MNIST images file " + imagesFile + " is truncated: its header promises " + n
                    + " images of " + rows + "x" + cols + " (" + needImages + " bytes), it has " + img.length
                    + " bytes (image " + (img.length - 16) / pixels + " is the first incomplete one)");
        }
        if (lab.length < 8L + n) {
            throw new KtException("MNIST labels file " + labelsFile + " is truncated: its header promises " + n
                    + " labels (" + (8L + n) + " bytes), it has " + lab.length + " bytes");
        }
        int[] labels = new int[n];
        int maxLabel = 9;
        for (int i = 0; i < n; i++) {
            labels[i] = lab[8 + i] & 0xFF;
            maxLabel = Math.max(maxLabel, labels[i]);
        }
        List<String> classes = new ArrayList<>();
        for (int c = 0; c <= maxLabel; c++) {
            classes.add(Integer.toString(c));
        }
        int[] keep = Selection.select(labels, classes.size(), options.limitPerClass(), options.limit());
        int m = keep.length;
        byte[][] data = new byte[m][];
        int[] h = new int[m];
        int[] w = new int[m];
        int[] c = new int[m];
        int[] kept = new int[m];
        for (int k = 0; k < m; k++) {
            int i = keep[k];
            data[k] = new byte[pixels];
            System.arraycopy(img, 16 + i * pixels, data[k], 0, pixels);
            h[k] = rows;
            w[k] = cols;
            c[k] = 1;
            kept[k] = labels[i];
        }
        String name = imagesFile.getFileName().toString();
        return new Dataset(imagesFile.toString(), Dataset.Kind.IMAGE, classes, data, h, w, c, kept,
                k -> name + " image " + keep[k], List.of());
    }

    private static void checkHeader(Path file, byte[] b, int headerBytes, int magic, String what) {
        if (b.length < headerBytes) {
            throw new KtException("MNIST file " + file + " is truncated: " + b.length + " bytes, shorter than the "
                    + headerBytes + "-byte " + what + " header");
        }
        int m = BinaryFiles.bigEndianInt(b, 0);
        if (m != magic) {
            throw new KtException(String.format("MNIST file %s is not an %s file: magic number 0x%08X, expected 0x%08X",
                    file, what, m, magic));
        }
    }

    private static Path find(Path dir, String prefix, String kind, String idx) {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (Stream<Path> s = Files.list(dir)) {
            // accepts train-images-idx3-ubyte[.gz] and the common train-images.idx3-ubyte spelling
            return s.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(prefix + "-" + kind) && n.contains(idx);
            }).sorted().findFirst().orElse(null);
        } catch (IOException e) {
            throw new KtException("cannot list " + dir + ": " + e, e);
        }
    }
}
