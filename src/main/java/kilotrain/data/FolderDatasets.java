package kilotrain.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import kilotrain.KtException;

/**
 * Folder datasets {@code root/<class>/<files>}: images (JPEG, PNG, BMP), raw tensors ({@code .int8}, {@code .bin}) or
 * one {@code .npy} array per sample ({@link NumericDatasets}).
 * Classes are the sub-folders in sorted name order; each class's files (also in nested folders) are sorted by path,
 * as torchvision's ImageFolder does. Hidden files and files with other extensions are ignored.
 */
public final class FolderDatasets {
    private static final List<String> IMAGE_EXT = List.of("jpg", "jpeg", "png", "bmp");
    private static final List<String> RAW_EXT = List.of("int8", "bin");
    private static final List<String> NPY_EXT = List.of("npy");

    private FolderDatasets() {
    }

    /** Reads a class folder tree, deciding from its files whether it holds images or raw tensors. */
    public static Dataset open(Path root, LoadOptions options) {
        Listing listing = list(root);
        boolean anyRaw = listing.files.stream().anyMatch(f -> RAW_EXT.contains(extension(f)));
        boolean anyImage = listing.files.stream().anyMatch(f -> IMAGE_EXT.contains(extension(f)));
        boolean anyNpy = listing.files.stream().anyMatch(f -> NPY_EXT.contains(extension(f)));
        if ((anyRaw ? 1 : 0) + (anyImage ? 1 : 0) + (anyNpy ? 1 : 0) > 1) {
            throw new KtException("dataset folder " + root + " mixes kinds of sample files (images, raw tensor files"
                    + " .int8/.bin, .npy files); keep one kind");
        }
        return anyNpy ? npy(root, listing, options)
                : anyRaw ? raw(root, listing, options) : images(root, listing, options);
    }

    public static Dataset imageFolder(Path root, LoadOptions options) {
        return images(root, list(root), options);
    }

    public static Dataset rawFolder(Path root, LoadOptions options) {
        return raw(root, list(root), options);
    }

    private static Dataset images(Path root, Listing all, LoadOptions options) {
        Listing listing = all.only(IMAGE_EXT);
        if (listing.files.isEmpty()) {
            throw new KtException("dataset folder " + root + " has no JPEG, PNG or BMP files in its class folders "
                    + listing.classes);
        }
        MemoryBudget budget = new MemoryBudget(root);
        int maxSide = options.maxCachedSide();
        Loaded<DecodedImage> l = load(listing, options, (file, i, n) -> {
            DecodedImage img = shrink(ImageDecoder.decode(file), maxSide);
            budget.add(img.pixels().length, i, n);
            return img;
        });
        int good = l.items.size();
        byte[][] data = new byte[good][];
        int[] h = new int[good];
        int[] w = new int[good];
        int[] c = new int[good];
        for (int k = 0; k < good; k++) {
            DecodedImage img = l.items.get(k);
            data[k] = img.pixels();
            h[k] = img.height();
            w[k] = img.width();
            c[k] = img.channels();
        }
        return new Dataset(root.toString(), Dataset.Kind.IMAGE, listing.classes, data, h, w, c, l.labels,
                i -> l.names.get(i).toString(), l.skipped);
    }

    private static Dataset raw(Path root, Listing all, LoadOptions options) {
        Listing listing = all.only(RAW_EXT);
        if (listing.files.isEmpty()) {
            throw new KtException("dataset folder " + root + " has no .int8/.bin files in its class folders "
                    + listing.classes);
        }
        int expected = options.rawBytes();
        if (expected <= 0) {
            throw new KtException("dataset folder " + root + " holds raw tensor files: the model input size in bytes"
                    + " is needed to read them (LoadOptions.rawBytes)");
        }
        Loaded<byte[]> l = load(listing, options, (file, i, n) -> readRaw(file, expected));
        int n = l.items.size();
        int[] ones = new int[n];
        java.util.Arrays.fill(ones, 1);
        return new Dataset(root.toString(), Dataset.Kind.RAW, listing.classes, l.items.toArray(new byte[0][]), ones,
                ones, ones, l.labels, i -> l.names.get(i).toString(), l.skipped);
    }

    /** One .npy file per sample (see {@link NumericDatasets}): int8 input values, or uint8 images. */
    private static Dataset npy(Path root, Listing all, LoadOptions options) {
        Listing listing = all.only(NPY_EXT);
        Loaded<Object> l = load(listing, options, (file, i, n) -> NumericDatasets.sampleFile(file, options));
        int n = l.items.size();
        long images = l.items.stream().filter(o -> o instanceof DecodedImage).count();
        if (images != 0 && images != n) {
            throw new KtException("dataset folder " + root + " mixes uint8 .npy samples (images) with int8 or float "
                    + "ones; keep one type");
        }
        byte[][] data = new byte[n][];
        int[] h = new int[n];
        int[] w = new int[n];
        int[] c = new int[n];
        for (int k = 0; k < n; k++) {
            if (l.items.get(k) instanceof DecodedImage img) {
                data[k] = img.pixels();
                h[k] = img.height();
                w[k] = img.width();
                c[k] = img.channels();
            } else {
                data[k] = (byte[]) l.items.get(k);
                h[k] = w[k] = c[k] = 1;
            }
        }
        return new Dataset(root.toString(), images > 0 ? Dataset.Kind.IMAGE : Dataset.Kind.RAW, listing.classes,
                data, h, w, c, l.labels, i -> l.names.get(i).toString(), l.skipped);
    }

    /** Reads one sample file; {@code index} of {@code total} for progress-dependent checks. */
    @FunctionalInterface
    interface SampleReader<T> {
        T read(Path file, int index, int total);
    }

    /** The samples that loaded, their labels and files, and the files left out (with their reasons). */
    record Loaded<T>(List<T> items, int[] labels, List<Path> names, List<String> skipped) {
    }

    /**
     * Reads the files the limits keep, in parallel. A file that fails stops the load with its message (the lowest
     * failing file in dataset order), or with {@link LoadOptions.OnUnreadable#SKIP} is left out and listed.
     */
    static <T> Loaded<T> load(Listing listing, LoadOptions options, SampleReader<T> reader) {
        int[] keep = Selection.select(listing.labelArray(), listing.classes.size(), options.limitPerClass(),
                options.limit());
        int n = keep.length;
        @SuppressWarnings("unchecked")
        T[] items = (T[]) new Object[n];
        KtException[] errors = new KtException[n];
        boolean skip = options.onUnreadable() == LoadOptions.OnUnreadable.SKIP;
        try {
            ParallelLoad.run(n, options.threads(), i -> reader.read(listing.files.get(keep[i]), i, n), items, errors,
                    skip);
        } catch (MemoryBudget.Exceeded e) {
            throw e;
        } catch (KtException e) {
            throw unreadable(e);
        }
        List<T> good = new ArrayList<>();
        List<Path> names = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path file = listing.files.get(keep[i]);
            if (items[i] == null) {
                String why = errors[i].getMessage();
                skipped.add(why.contains(file.toString()) ? why : file + ": " + why);
            } else {
                good.add(items[i]);
                names.add(file);
                labels.add(listing.labels.get(keep[i]));
            }
        }
        return new Loaded<>(good, labels.stream().mapToInt(Integer::intValue).toArray(), names, skipped);
    }

    /** The error of a sample that could not be read, with what would let the run go on without it. */
    static KtException unreadable(KtException e) {
        return new KtException(e.getMessage() + " (--skip-bad-samples leaves unreadable samples out and lists them)",
                e);
    }

    /** Shrinks an image whose shorter side exceeds {@code maxSide} (0: never) to that shorter side. */
    static DecodedImage shrink(DecodedImage img, int maxSide) {
        int h = img.height();
        int w = img.width();
        if (maxSide == 0 || Math.min(h, w) <= maxSide) {
            return img;
        }
        int nh = h <= w ? maxSide : (int) ((double) maxSide * h / w);
        int nw = h <= w ? (int) ((double) maxSide * w / h) : maxSide;
        return new DecodedImage(PilResize.resize(img.pixels(), h, w, img.channels(), nh, nw), nh, nw,
                img.channels());
    }

    static byte[] readRaw(Path file, int expected) {
        try {
            long size = Files.size(file);
            if (size != expected) {
                throw new KtException("raw tensor file " + file + " has " + size + " bytes, the model input needs "
                        + expected + " bytes");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new KtException("cannot read raw tensor file " + file + ": " + e, e);
        }
    }

    static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static boolean hidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    static Listing list(Path root) {
        if (!Files.isDirectory(root)) {
            throw new KtException("dataset folder " + root + " does not exist or is not a folder");
        }
        List<String> classes = new ArrayList<>();
        List<Path> classDirs = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            s.filter(Files::isDirectory).filter(p -> !hidden(p))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .forEach(p -> {
                        classDirs.add(p);
                        classes.add(p.getFileName().toString());
                    });
        } catch (IOException e) {
            throw new KtException("cannot list dataset folder " + root + ": " + e, e);
        }
        if (classes.isEmpty()) {
            throw new KtException("dataset folder " + root + " has no class sub-folders (expected root/<class>/<files>)");
        }
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < classDirs.size(); c++) {
            Path dir = classDirs.get(c);
            List<Path> inClass = new ArrayList<>();
            collect(dir, inClass);
            for (Path p : inClass) {
                files.add(p);
                labels.add(c);
            }
        }
        return new Listing(classes, files, labels);
    }

    /**
     * Adds the dataset files under {@code dir} in torchvision's order (sorted(os.walk): a folder's files by name, then
     * its sub-folders by name). Names are listed without a stat per file, which matters for folders of 50,000
     * images: entries with a dataset extension are taken as files, only the others are checked for being folders.
     */
    private static void collect(Path dir, List<Path> out) {
        String[] names = dir.toFile().list();
        if (names == null) {
            throw new KtException("cannot list class folder " + dir);
        }
        Arrays.sort(names);
        List<Path> subdirs = new ArrayList<>();
        for (String name : names) {
            if (name.startsWith(".")) {
                continue;
            }
            Path p = dir.resolve(name);
            String ext = extension(p);
            if (IMAGE_EXT.contains(ext) || RAW_EXT.contains(ext) || NPY_EXT.contains(ext)) {
                out.add(p);
            } else if (Files.isDirectory(p)) {
                subdirs.add(p);
            }
        }
        for (Path sub : subdirs) {
            collect(sub, out);
        }
    }

    record Listing(List<String> classes, List<Path> files, List<Integer> labels) {
        Listing only(List<String> extensions) {
            List<Path> f = new ArrayList<>();
            List<Integer> l = new ArrayList<>();
            for (int i = 0; i < files.size(); i++) {
                if (extensions.contains(extension(files.get(i)))) {
                    f.add(files.get(i));
                    l.add(labels.get(i));
                }
            }
            return new Listing(classes, f, l);
        }

        int[] labelArray() {
            int[] a = new int[labels.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = labels.get(i);
            }
            return a;
        }
    }
}
