package kilotrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import kilotrain.KtException;

class DatasetsTest {
    static final Path SHARED = Path.of(System.getProperty("user.dir")).resolve("../shared").normalize();
    static final Path CIFAR = SHARED.resolve("data/cifar10");
    static final Path MNIST = SHARED.resolve("data/mnist");

    @TempDir
    Path tmp;

    @Test
    void cifarFolderOpensWithLimits() {
        DatasetSplit split = DatasetSplit.open(CIFAR, LoadOptions.defaults().withLimitPerClass(500));
        Dataset train = split.train();
        assertEquals(List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
                train.classes());
        assertEquals(5000, train.size());
        int[] counts = train.classCounts();
        for (int c : counts) {
            assertEquals(500, c);
        }
        assertTrue(split.hasTest());
        Dataset test = DatasetSplit.open(CIFAR, LoadOptions.defaults().withLimitPerClass(200)).test();
        assertEquals(2000, test.size());
        for (int i = 0; i < train.size(); i += 499) {
            assertEquals(32, train.height(i));
            assertEquals(32, train.width(i));
            assertEquals(3, train.channels(i));
            assertEquals(32 * 32 * 3, train.data(i).length);
        }
        // first N files by name: sample 0 is airplane/0000.jpg, the last airplane one is 0499.jpg
        assertTrue(train.name(0).endsWith("airplane/0000.jpg"), train.name(0));
        assertTrue(train.name(499).endsWith("airplane/0499.jpg"), train.name(499));
        assertEquals(1, train.label(500));
        assertTrue(train.name(500).endsWith("automobile/0000.jpg"));
    }

    @Test
    void totalLimitIsRoundRobinOverClasses() {
        Dataset d = FolderDatasets.open(CIFAR.resolve("test"), LoadOptions.defaults().withLimit(25));
        assertEquals(25, d.size());
        int[] counts = d.classCounts();
        assertEquals(3, counts[0]);
        assertEquals(3, counts[4]);
        assertEquals(2, counts[5]);
        assertEquals(2, counts[9]);
    }

    @Test
    void decodingIsTheSameWithOneOrTwoThreads() {
        LoadOptions o = LoadOptions.defaults().withLimitPerClass(30);
        Dataset a = FolderDatasets.open(CIFAR.resolve("train"), o.withThreads(1));
        Dataset b = FolderDatasets.open(CIFAR.resolve("train"), o.withThreads(2));
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.data(i), b.data(i));
            assertEquals(a.label(i), b.label(i));
        }
    }

    @Test
    void mnistOpens() {
        DatasetSplit split = DatasetSplit.open(MNIST, LoadOptions.defaults());
        assertEquals(60000, split.train().size());
        assertEquals(10000, split.test().size());
        assertEquals(5, split.train().label(0));
        assertEquals(7, split.test().label(0));
        assertEquals(10, split.train().numClasses());
        assertEquals(28, split.train().height(0));
        assertEquals(1, split.train().channels(0));
        Dataset limited = MnistDataset.open(MNIST, "train", LoadOptions.defaults().withLimitPerClass(100));
        assertEquals(1000, limited.size());
        assertEquals(5, limited.label(0));
        assertArrayEquals(split.train().data(0), limited.data(0));
    }

    @Test
    void mnistUncompressedAndCorrupt() throws IOException {
        byte[] images = idx(0x803, 3, 2, 2, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        byte[] labels = idx(0x801, 3, -1, -1, new byte[] {2, 0, 9});
        Files.write(tmp.resolve("train-images-idx3-ubyte"), images);
        Files.write(tmp.resolve("train-labels-idx1-ubyte"), gzip(labels));
        DatasetSplit s = DatasetSplit.open(tmp, LoadOptions.defaults());
        assertNull(s.test());
        assertEquals(3, s.train().size());
        assertArrayEquals(new byte[] {5, 6, 7, 8}, s.train().data(1));
        assertEquals(9, s.train().label(2));

        Files.write(tmp.resolve("train-images-idx3-ubyte"), Arrays.copyOf(images, images.length - 3));
        KtException e = assertThrows(KtException.class, () -> DatasetSplit.open(tmp, LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte") && e.getMessage().contains("truncated"),
                e.getMessage());

        byte[] bad = images.clone();
        bad[3] = 0x01;
        Files.write(tmp.resolve("train-images-idx3-ubyte"), bad);
        e = assertThrows(KtException.class, () -> DatasetSplit.open(tmp, LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("magic") && e.getMessage().contains("train-images-idx3-ubyte"),
                e.getMessage());

        byte[] gz = gzip(images);
        Files.write(tmp.resolve("train-images-idx3-ubyte"), Arrays.copyOf(gz, gz.length / 2));
        e = assertThrows(KtException.class, () -> DatasetSplit.open(tmp, LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte") && e.getMessage().contains("truncated"),
                e.getMessage());
    }

    @Test
    void truncatedRealMnistGzip() throws IOException {
        byte[] gz = Files.readAllBytes(MNIST.resolve("t10k-labels-idx1-ubyte.gz"));
        Path dir = Files.createDirectory(tmp.resolve("m"));
        Files.copy(MNIST.resolve("t10k-images-idx3-ubyte.gz"), dir.resolve("train-images-idx3-ubyte.gz"));
        Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), Arrays.copyOf(gz, 1000));
        KtException e = assertThrows(KtException.class, () -> DatasetSplit.open(dir, LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("train-labels-idx1-ubyte.gz"), e.getMessage());
    }

    @Test
    void cifarBinaryBatches() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("cifar-10-batches-bin"));
        Files.write(dir.resolve("data_batch_1.bin"), records(new int[] {3, 7, 3}, 0));
        Files.write(dir.resolve("data_batch_2.bin"), records(new int[] {1}, 3));
        Files.write(dir.resolve("test_batch.bin"), records(new int[] {9, 0}, 10));
        DatasetSplit s = DatasetSplit.open(tmp, LoadOptions.defaults());
        assertEquals(4, s.train().size());
        assertEquals(2, s.test().size());
        assertEquals(Cifar10Binary.DEFAULT_CLASSES, s.train().classes());
        assertEquals(1, s.train().label(3));
        assertEquals(9, s.test().label(0));
        // record r: R plane value = (r + p) & 0xFF, G = R + 1, B = R + 2; stored HWC
        byte[] px = s.train().data(1);
        int p = 5 * 32 + 7;
        assertEquals((byte) (1 + p), px[3 * p]);
        assertEquals((byte) (1 + p + 1), px[3 * p + 1]);
        assertEquals((byte) (1 + p + 2), px[3 * p + 2]);
        assertEquals(2, DatasetSplit.open(tmp, LoadOptions.defaults().withLimitPerClass(1)).train().size() - 1);

        Files.writeString(dir.resolve("batches.meta.txt"), "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n");
        assertEquals("j", DatasetSplit.open(tmp, LoadOptions.defaults()).train().classes().get(9));

        byte[] cut = records(new int[] {1, 2}, 0);
        Files.write(dir.resolve("data_batch_2.bin"), Arrays.copyOf(cut, cut.length - 100));
        KtException e = assertThrows(KtException.class, () -> DatasetSplit.open(tmp, LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("data_batch_2.bin") && e.getMessage().contains("3073"), e.getMessage());
    }

    @Test
    void rawTensorFolder() throws IOException {
        int n = 49 * 10;
        for (String split : List.of("train", "test")) {
            for (String cls : List.of("no", "yes")) {
                Path d = Files.createDirectories(tmp.resolve(split).resolve(cls));
                for (int i = 0; i < 3; i++) {
                    byte[] b = new byte[n];
                    Arrays.fill(b, (byte) (i * 10 + cls.length()));
                    Files.write(d.resolve("s" + i + (i == 2 ? ".bin" : ".int8")), b);
                }
            }
        }
        KtException e = assertThrows(KtException.class, () -> DatasetSplit.open(tmp, LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("rawBytes"), e.getMessage());
        DatasetSplit s = DatasetSplit.open(tmp, LoadOptions.defaults().withRawBytes(n).withLimitPerClass(2));
        assertEquals(Dataset.Kind.RAW, s.train().kind());
        assertEquals(List.of("no", "yes"), s.train().classes());
        assertEquals(4, s.train().size());
        assertEquals((byte) 13, s.train().data(3)[0]);

        Path bad = tmp.resolve("test/yes/s1.int8");
        Files.write(bad, new byte[n - 1]);
        e = assertThrows(KtException.class,
                () -> DatasetSplit.open(tmp, LoadOptions.defaults().withRawBytes(n)));
        assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains(Integer.toString(n - 1))
                && e.getMessage().contains(Integer.toString(n)), e.getMessage());
    }

    @Test
    void pngGrayAndBmpDecodeExactly() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("x"));
        BufferedImage rgb = new BufferedImage(5, 3, BufferedImage.TYPE_INT_RGB);
        BufferedImage gray = new BufferedImage(5, 3, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                rgb.setRGB(x, y, (x * 50) << 16 | (y * 80) << 8 | (x + y * 7));
                gray.getRaster().setSample(x, y, 0, x * 40 + y * 3 + 1);
            }
        }
        ImageIO.write(rgb, "png", dir.resolve("a.png").toFile());
        ImageIO.write(rgb, "bmp", dir.resolve("b.bmp").toFile());
        ImageIO.write(gray, "png", dir.resolve("c.png").toFile());
        for (String f : List.of("a.png", "b.bmp")) {
            DecodedImage d = ImageDecoder.decode(dir.resolve(f));
            assertEquals(3, d.channels());
            assertEquals(3, d.height());
            assertEquals(5, d.width());
            int o = (2 * 5 + 4) * 3;
            assertEquals(200, d.pixels()[o] & 0xFF);
            assertEquals(160, d.pixels()[o + 1] & 0xFF);
            assertEquals(18, d.pixels()[o + 2] & 0xFF);
        }
        DecodedImage g = ImageDecoder.decode(dir.resolve("c.png"));
        assertEquals(1, g.channels());
        assertEquals(4 * 40 + 2 * 3 + 1, g.pixels()[2 * 5 + 4] & 0xFF);
    }

    @Test
    void corruptImagesAreNamed() throws IOException {
        Path root = tmp.resolve("imgs");
        for (String cls : List.of("cat", "dog")) {
            Path d = Files.createDirectories(root.resolve(cls));
            for (int i = 0; i < 3; i++) {
                Files.copy(CIFAR.resolve("test").resolve(cls).resolve(String.format("%04d.jpg", i)),
                        d.resolve(String.format("%d.jpg", i)));
            }
        }
        Files.writeString(root.resolve("cat/readme.txt"), "ignored");
        Files.writeString(root.resolve("dog/.DS_Store"), "ignored");
        assertEquals(6, FolderDatasets.open(root, LoadOptions.defaults()).size());

        Path garbage = root.resolve("dog/1.jpg");
        Files.writeString(garbage, "this is not a jpeg");
        byte[] jpg = Files.readAllBytes(root.resolve("cat/2.jpg"));
        Path truncated = root.resolve("dog/2.jpg");
        Files.write(truncated, Arrays.copyOf(jpg, jpg.length / 2));
        KtException e = assertThrows(KtException.class, () -> FolderDatasets.open(root, LoadOptions.defaults()));
        assertTrue(e.getMessage().contains(garbage.toString()), e.getMessage());

        Files.copy(root.resolve("cat/1.jpg"), garbage, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        e = assertThrows(KtException.class, () -> FolderDatasets.open(root, LoadOptions.defaults()));
        assertTrue(e.getMessage().contains(truncated.toString()), e.getMessage());

        Dataset skipped = FolderDatasets.open(root,
                LoadOptions.defaults().withOnUnreadable(LoadOptions.OnUnreadable.SKIP));
        assertEquals(5, skipped.size());
        assertEquals(1, skipped.skipped().size());
        assertTrue(skipped.skipped().get(0).contains(truncated.toString()));
    }

    @Test
    void largeImagesShrunkOnLoadAndMemoryBudget() throws IOException {
        Path d = Files.createDirectories(tmp.resolve("big/only"));
        BufferedImage big = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 200; y++) {
            for (int x = 0; x < 300; x++) {
                big.setRGB(x, y, (x & 0xFF) << 16 | (y & 0xFF) << 8 | 77);
            }
        }
        ImageIO.write(big, "png", d.resolve("a.png").toFile());
        Dataset full = FolderDatasets.open(tmp.resolve("big"), LoadOptions.defaults());
        assertEquals(200, full.height(0));
        Dataset small = FolderDatasets.open(tmp.resolve("big"), LoadOptions.defaults().withMaxCachedSide(64));
        assertEquals(64, small.height(0));
        assertEquals(96, small.width(0));
        assertArrayEquals(PilResize.resize(full.data(0), 200, 300, 3, 64, 96), small.data(0));

        MemoryBudget budget = new MemoryBudget(d, 1000);
        budget.add(600, 0, 2);
        KtException e = assertThrows(KtException.class, () -> budget.add(600, 1, 2));
        assertTrue(e.getMessage().contains(d.toString()) && e.getMessage().contains("2 of 2"), e.getMessage());
    }

    @Test
    void unknownLayoutAndMissingFolder() throws IOException {
        Files.writeString(tmp.resolve("x.txt"), "x");
        KtException e = assertThrows(KtException.class, () -> DatasetSplit.open(tmp, LoadOptions.defaults()));
        assertTrue(e.getMessage().contains(tmp.toString()));
        e = assertThrows(KtException.class,
                () -> DatasetSplit.open(tmp.resolve("nope"), LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("nope"));
    }

    private static byte[] records(int[] labels, int first) {
        byte[] b = new byte[labels.length * Cifar10Binary.RECORD];
        for (int r = 0; r < labels.length; r++) {
            int base = r * Cifar10Binary.RECORD;
            b[base] = (byte) labels[r];
            for (int ch = 0; ch < 3; ch++) {
                for (int p = 0; p < 1024; p++) {
                    b[base + 1 + ch * 1024 + p] = (byte) (first + r + p + ch);
                }
            }
        }
        return b;
    }

    private static byte[] idx(int magic, int n, int rows, int cols, byte[] payload) {
        int header = rows < 0 ? 8 : 16;
        byte[] b = new byte[header + payload.length];
        putInt(b, 0, magic);
        putInt(b, 4, n);
        if (rows >= 0) {
            putInt(b, 8, rows);
            putInt(b, 12, cols);
        }
        System.arraycopy(payload, 0, b, header, payload.length);
        return b;
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    private static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }
}
