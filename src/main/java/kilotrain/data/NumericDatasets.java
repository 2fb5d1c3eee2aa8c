package kilotrain.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

import kilotrain.KtException;
import kilotrain.ir.Quant;

/**
 * Samples given as numbers rather than images: NumPy arrays ({@code x_train.npy} with {@code y_train.npy}, and
 * {@code x_test.npy}/{@code y_test.npy}; or one {@code .npy} file per sample in class folders) and CSV files (one
 * sample per row, a header naming the columns).
 * <p>
 * <b>Values to int8</b>, decided by the data type:
 * <ul>
 * <li>real values (float32, float64, CSV numbers written with a point or exponent): quantized with the model input's
 * scale and zero point as TensorFlow Lite's QUANTIZE does, {@code q = clamp(round(x / scale) + zeroPoint, -128, 127)},
 * float32 division, round half away from zero ({@link InputSpec#quantizeReal});</li>
 * <li>integers (int8, int16, int32, int64, CSV files whose feature values are all integers): taken as the int8 input
 * values themselves, each of which must lie in -128..127;</li>
 * <li>uint8: pixels; each sample must be an image {@code (H, W)} or {@code (H, W, C)} and goes through exactly what an
 * image file goes through (resize, augmentation, the pixel rule, {@code pixel - 128} by default).</li>
 * </ul>
 * A sample's values are the model input's elements in its order (NHWC for images); its array shape is the input shape
 * without the batch dimension, or flat.
 * <p>
 * <b>Labels</b>: class names (CSV text, integer arrays). When every label is a non-negative integer the classes are
 * {@code 0 .. max} (so label k is the model's output k, even when some class has no sample), otherwise the distinct
 * names in sorted order. Float {@code y} arrays and CSV target columns are regression targets instead.
 */
public final class NumericDatasets {
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");
    private static final Pattern NON_NEGATIVE = Pattern.compile("\\d+");

    private NumericDatasets() {
    }

    /** One part (train or test) as read, before the classes of all parts are known. */
    static final class Part {
        final String source;
        Dataset.Kind kind = Dataset.Kind.RAW;
        final List<byte[]> data = new ArrayList<>();
        final List<int[]> hwc = new ArrayList<>();
        final List<String> labels = new ArrayList<>();
        final List<float[]> targets = new ArrayList<>();
        List<String> targetNames = List.of();
        boolean hasTargets;
        /** The targets are int8 values (an int8 y array of shape (N, K)). */
        boolean int8Targets;
        final List<String> names = new ArrayList<>();
        final List<String> skipped = new ArrayList<>();

        Part(String source) {
            this.source = source;
        }

        void addRaw(byte[] sample, String name) {
            data.add(sample);
            hwc.add(new int[] {1, 1, 1});
            names.add(name);
        }

        void addImage(DecodedImage img, String name) {
            kind = Dataset.Kind.IMAGE;
            data.add(img.pixels());
            hwc.add(new int[] {img.height(), img.width(), img.channels()});
            names.add(name);
        }
    }

    // ---------------------------------------------------------------- layouts

    /** Whether {@code root} holds NumPy arrays {@code x_train.npy} / {@code x_test.npy}. */
    static boolean hasArrays(Path root) {
        return Files.isRegularFile(root.resolve("x_train.npy")) || Files.isRegularFile(root.resolve("x_test.npy"));
    }

    /** The NumPy-array layout: {@code x_train.npy} + {@code y_train.npy}, {@code x_test.npy} (or x_val) + y. */
    static DatasetSplit openArrays(Path root, LoadOptions trainOptions, LoadOptions testOptions) {
        return openParts(root, "x_train.npy", "x_test.npy", "x_val.npy", trainOptions, testOptions,
                NumericDatasets::arrays);
    }

    static boolean hasCsv(Path root) {
        return Files.isRegularFile(root.resolve("train.csv")) || Files.isRegularFile(root.resolve("test.csv"));
    }

    /** The CSV layout: {@code train.csv} and {@code test.csv} (or {@code val.csv}). */
    static DatasetSplit openCsv(Path root, LoadOptions trainOptions, LoadOptions testOptions) {
        return openParts(root, "train.csv", "test.csv", "val.csv", trainOptions, testOptions, NumericDatasets::csv);
    }

    /**
     * The train and test files of a layout (a null option leaves its part unread, as in {@link DatasetSplit#open}),
     * with one class list over both.
     */
    private static DatasetSplit openParts(Path root, String trainName, String testName, String valName,
                                          LoadOptions trainOptions, LoadOptions testOptions,
                                          java.util.function.BiFunction<Path, LoadOptions, Part> reader) {
        Path test = Files.isRegularFile(root.resolve(testName)) ? root.resolve(testName)
                : Files.isRegularFile(root.resolve(valName)) ? root.resolve(valName) : null;
        Path train = Files.isRegularFile(root.resolve(trainName)) ? root.resolve(trainName) : null;
        LoadOptions any = trainOptions != null ? trainOptions : testOptions;
        Part te = test == null || testOptions == null ? null : reader.apply(test, testOptions);
        Part tr = train == null || (trainOptions == null && te != null) ? null : reader.apply(train, any);
        // each part keeps its own limits (a test part is not cut to the training part's)
        Dataset[] d = finish(new LoadOptions[] {any, testOptions != null ? testOptions : any}, tr, te);
        return new DatasetSplit(d[0], d[1]);
    }

    /** One CSV file as the whole dataset (train part only). */
    static DatasetSplit openCsvFile(Path file, LoadOptions options) {
        Dataset[] d = finish(options, csv(file, options), null);
        return new DatasetSplit(d[0], null);
    }

    // ---------------------------------------------------------------- arrays

    private static Part arrays(Path xFile, LoadOptions o) {
        Npy.Array x = Npy.read(xFile);
        String stem = xFile.getFileName().toString().substring(2);
        Path yFile = xFile.resolveSibling("y_" + stem);
        if (!Files.isRegularFile(yFile)) {
            throw new KtException(xFile + " has no labels or targets beside it: expected " + yFile);
        }
        Npy.Array y = Npy.read(yFile);
        if (x.rank() < 1 || y.rank() < 1 || y.rank() > 2 || x.dim(0) != y.dim(0)) {
            throw new KtException(xFile + " " + x.shapeText() + " and " + yFile + " " + y.shapeText()
                    + " do not pair up: expected x (N, ...) and y (N,) or (N, K) with the same N");
        }
        Part part = new Part(xFile.toString());
        int n = x.dim(0);
        int[] sampleShape = Arrays.copyOfRange(x.shape(), 1, x.rank());
        int per = 1;
        for (int d : sampleShape) {
            per *= d;
        }
        // int8 y of shape (N, K): int8 regression targets (in the model output's quantization); other integer y:
        // one class label per sample
        boolean int8Targets = y.dtype == Npy.DType.INT8 && y.rank() == 2;
        boolean labels = y.dtype.integer() && !int8Targets;
        int k = y.rank() == 2 ? y.dim(1) : 1;
        if (labels && k != 1) {
            throw new KtException(yFile + " " + y.shapeText() + ": integer y holds one class label per sample, shape "
                    + "(N,) or (N, 1); save regression targets as float32 (or as int8 (N, K): int8 targets)");
        }
        part.hasTargets = !labels;
        part.int8Targets = int8Targets;
        if (!labels) {
            List<String> names = new ArrayList<>();
            for (int j = 0; j < k; j++) {
                names.add(k == 1 ? "y" : "y" + j);
            }
            part.targetNames = names;
        }
        boolean image = x.dtype == Npy.DType.UINT8;
        if (!image) {
            checkShape(sampleShape, o, xFile + " " + x.shapeText());
        } else {
            imageShape(sampleShape, xFile + " " + x.shapeText());
        }
        for (int i = 0; i < n; i++) {
            String name = xFile + "[" + i + "]";
            try {
                String label = null;
                float[] t = null;
                if (labels) {
                    long v = (long) y.get(i);
                    if (v < 0) {
                        throw new KtException(yFile + "[" + i + "]: label " + v + " is negative");
                    }
                    label = Long.toString(v);
                } else {
                    t = new float[k];
                    for (int j = 0; j < k; j++) {
                        t[j] = finite(y.getFloat((long) i * k + j), yFile + "[" + i + "]");
                    }
                }
                if (image) {
                    part.addImage(image(x, (long) i * per, sampleShape), name);
                } else {
                    part.addRaw(toInt8(x, (long) i * per, per, o.inputQuant(), name), name);
                }
                if (labels) {
                    part.labels.add(label);
                } else {
                    part.targets.add(t);
                }
            } catch (KtException e) {
                skipOrFail(part, o, name, e);
            }
        }
        return part;
    }

    /** One sample per {@code .npy} file (for class folders): int8 input values, or a uint8 image. */
    static Object sampleFile(Path file, LoadOptions o) {
        Npy.Array a = Npy.read(file);
        int[] s = a.shape();
        if (a.dtype == Npy.DType.UINT8) {
            int[] img = s.length == 4 && s[0] == 1 ? Arrays.copyOfRange(s, 1, 4) : s;
            imageShape(img, file + " " + a.shapeText());
            return image(a, 0, img);
        }
        checkShape(s, o, file + " " + a.shapeText());
        return toInt8(a, 0, (int) a.elements(), o.inputQuant(), file.toString());
    }

    /** Accepts a sample shape equal to the input's (with or without its batch dimension of 1), or flat. */
    private static void checkShape(int[] sample, LoadOptions o, String where) {
        int[] in = o.inputShape();
        if (in == null) {
            throw new KtException(where + ": samples given as numbers need the model input's shape (LoadOptions"
                    + ".withInput)");
        }
        long want = 1;
        for (int d : in) {
            want *= d;
        }
        long have = 1;
        for (int d : sample) {
            have *= d;
        }
        int[] inner = in.length > 1 && in[0] == 1 ? Arrays.copyOfRange(in, 1, in.length) : in;
        boolean ok = have == want && (sample.length <= 1 || Arrays.equals(sample, inner) || Arrays.equals(sample, in));
        if (!ok) {
            throw new KtException(where + ": a sample of shape " + Npy.shapeText(sample) + " (" + have + " values) "
                    + "does not fit the model input " + Arrays.toString(in) + " (" + want + " values): give samples "
                    + "of shape " + Npy.shapeText(inner) + (inner.length > 1 ? " or (" + want + ",)" : ""));
        }
    }

    private static void imageShape(int[] s, String where) {
        if (!(s.length == 2 || (s.length == 3 && (s[2] == 1 || s[2] == 3))) || s[0] < 1 || s[1] < 1) {
            throw new KtException(where + ": uint8 samples are read as images (H, W) or (H, W, C) with C = 1 or 3, "
                    + "got " + Npy.shapeText(s) + "; save other data as int8 (the input values as they are) or "
                    + "float32 (quantized with the input's scale and zero point)");
        }
    }

    private static DecodedImage image(Npy.Array a, long start, int[] s) {
        int c = s.length == 3 ? s[2] : 1;
        byte[] px = new byte[s[0] * s[1] * c];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (int) a.get(start + i);
        }
        return new DecodedImage(px, s[0], s[1], c);
    }

    /** {@code n} values from C-order index {@code start} as the int8 input (the rule in the class comment). */
    static byte[] toInt8(Npy.Array a, long start, int n, Quant quant, String where) {
        byte[] out = new byte[n];
        if (a.dtype.integer()) {
            for (int i = 0; i < n; i++) {
                out[i] = int8(a.get(start + i), where, i);
            }
            return out;
        }
        float scale = scale(quant, where);
        int zp = quant.zeroPoint();
        for (int i = 0; i < n; i++) {
            float x = a.getFloat(start + i);
            if (!Float.isFinite(x)) {
                throw new KtException(where + ": element " + i + " is " + x + ", not a finite number");
            }
            out[i] = InputSpec.quantizeReal(x, scale, zp);
        }
        return out;
    }

    private static byte int8(double v, String where, int element) {
        if (v < -128 || v > 127) {
            throw new KtException(where + ": element " + element + " is " + (long) v + ", outside -128..127: integer "
                    + "values are taken as the int8 input as they are (give real values as floats to have them "
                    + "quantized with the input's scale and zero point)");
        }
        return (byte) v;
    }

    private static float scale(Quant quant, String where) {
        if (quant == null || !quant.perTensor() || !(quant.scale() > 0)) {
            throw new KtException(where + ": real values need the model input's quantization (one scale and zero "
                    + "point) to become int8, and the model input has " + (quant == null ? "none" : quant));
        }
        return quant.scale();
    }

    private static float finite(float v, String where) {
        if (!Float.isFinite(v)) {
            throw new KtException(where + ": target " + v + " is not a finite number");
        }
        return v;
    }

    // ---------------------------------------------------------------- CSV

    private static Part csv(Path file, LoadOptions o) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new KtException("cannot read CSV file " + file + ": " + e, e);
        }
        int first = 0;
        while (first < lines.size() && lines.get(first).isBlank()) {
            first++;
        }
        if (first == lines.size()) {
            throw new KtException("CSV file " + file + " is empty");
        }
        List<String> header = split(stripBom(lines.get(first)), file, first + 1);
        if (header.stream().allMatch(h -> isNumber(h))) {
            throw new KtException(file + ": the first line has no column names (" + lines.get(first).trim()
                    + "); a CSV dataset needs a header, e.g. x0,x1,...,label");
        }
        List<String> targets = o.targetColumns();
        String labelName = o.labelColumn();
        if (labelName == null && targets.isEmpty()) {
            if (!header.contains("label")) {
                throw new KtException(file + ": no column named 'label'; name the label column (--label-column) or "
                        + "the regression target columns (--target-columns) among " + header);
            }
            labelName = "label";
        }
        int label = -1;
        if (labelName != null) {
            label = column(header, labelName, file, "--label-column");
        }
        int[] targetIdx = new int[targets.size()];
        for (int j = 0; j < targetIdx.length; j++) {
            targetIdx[j] = column(header, targets.get(j), file, "--target-columns");
            if (targetIdx[j] == label) {
                throw new KtException(file + ": column '" + targets.get(j) + "' cannot be both the label and a "
                        + "target");
            }
        }
        List<Integer> features = new ArrayList<>();
        for (int c = 0; c < header.size(); c++) {
            final int col = c;
            if (c != label && Arrays.stream(targetIdx).noneMatch(t -> t == col)) {
                features.add(c);
            }
        }
        int[] in = o.inputShape();
        if (in == null) {
            throw new KtException(file + ": CSV samples need the model input's shape (LoadOptions.withInput)");
        }
        int want = o.rawBytes();
        if (features.size() != want) {
            throw new KtException(file + ": " + features.size() + " feature columns (all but the label and target "
                    + "columns), the model input " + Arrays.toString(in) + " needs " + want);
        }
        Part part = new Part(file.toString());
        part.hasTargets = targets.size() > 0 && label < 0;
        part.targetNames = part.hasTargets ? targets : List.of();
        if (label >= 0 && !targets.isEmpty()) {
            throw new KtException(file + ": give either a label column or target columns, not both");
        }
        List<List<String>> rows = new ArrayList<>();
        List<Integer> lineNo = new ArrayList<>();
        boolean integers = true;
        for (int l = first + 1; l < lines.size(); l++) {
            if (lines.get(l).isBlank()) {
                continue;
            }
            String name = file + ":" + (l + 1);
            try {
                List<String> f = split(lines.get(l), file, l + 1);
                if (f.size() != header.size()) {
                    throw new KtException(name + ": " + f.size() + " fields, the header has " + header.size());
                }
                rows.add(f);
                lineNo.add(l + 1);
                for (int c : features) {
                    integers &= INTEGER.matcher(f.get(c)).matches();
                }
            } catch (KtException e) {
                skipOrFail(part, o, name, e);
            }
        }
        Quant quant = o.inputQuant();
        for (int r = 0; r < rows.size(); r++) {
            List<String> f = rows.get(r);
            String name = file + ":" + lineNo.get(r);
            try {
                byte[] x = new byte[want];
                for (int i = 0; i < want; i++) {
                    String v = f.get(features.get(i));
                    if (integers) {
                        x[i] = int8(Long.parseLong(v.startsWith("+") ? v.substring(1) : v), name,
                                i);
                    } else {
                        x[i] = InputSpec.quantizeReal(number(v, name, header.get(features.get(i))),
                                scale(quant, name), quant.zeroPoint());
                    }
                }
                if (label >= 0) {
                    String lab = f.get(label);
                    if (lab.isEmpty()) {
                        throw new KtException(name + ": the label column '" + labelName + "' is empty");
                    }
                    part.labels.add(lab);
                } else {
                    float[] t = new float[targetIdx.length];
                    for (int j = 0; j < t.length; j++) {
                        t[j] = number(f.get(targetIdx[j]), name, header.get(targetIdx[j]));
                    }
                    part.targets.add(t);
                }
                part.addRaw(x, name);
            } catch (NumberFormatException e) {
                skipOrFail(part, o, name, new KtException(name + ": " + e.getMessage()));
            } catch (KtException e) {
                skipOrFail(part, o, name, e);
            }
        }
        return part;
    }

    private static String stripBom(String s) {
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static float number(String v, String where, String column) {
        float x;
        try {
            x = Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw new KtException(where + ": column '" + column + "' holds '" + v + "', not a number");
        }
        if (!Float.isFinite(x)) {
            throw new KtException(where + ": column '" + column + "' holds " + v + ", not a finite number");
        }
        return x;
    }

    private static int column(List<String> header, String name, Path file, String option) {
        int c = header.indexOf(name);
        if (c < 0) {
            throw new KtException(file + ": " + option + " '" + name + "' is not a column; the header has " + header);
        }
        return c;
    }

    /** Splits one CSV line at commas; fields may be double-quoted ({@code ""} inside quotes is a quote). */
    static List<String> split(String line, Path file, int lineNo) {
        List<String> out = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    f.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    f.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                out.add(f.toString().trim());
                f.setLength(0);
            } else {
                f.append(ch);
            }
        }
        if (quoted) {
            throw new KtException(file + ":" + lineNo + ": a quoted field is not closed");
        }
        out.add(f.toString().trim());
        return out;
    }

    // ---------------------------------------------------------------- parts to datasets

    private static void skipOrFail(Part part, LoadOptions o, String name, KtException e) {
        if (o.onUnreadable() != LoadOptions.OnUnreadable.SKIP) {
            throw FolderDatasets.unreadable(e);
        }
        String why = e.getMessage();
        part.skipped.add(why.startsWith(name) ? why : name + ": " + why);
    }

    /**
     * Datasets of the parts (null parts give null), with one class list over all of them and the limits applied.
     */
    static Dataset[] finish(LoadOptions o, Part... parts) {
        LoadOptions[] each = new LoadOptions[parts.length];
        java.util.Arrays.fill(each, o);
        return finish(each, parts);
    }

    /** The same, part k selected with the limits of {@code limits[k]}. */
    static Dataset[] finish(LoadOptions[] limits, Part... parts) {
        boolean targets = false;
        boolean labels = false;
        boolean int8 = true;
        TreeSet<String> names = new TreeSet<>();
        boolean allIntegers = true;
        long max = -1;
        for (Part p : parts) {
            if (p == null) {
                continue;
            }
            targets |= p.hasTargets;
            labels |= !p.hasTargets;
            int8 &= p.int8Targets;
            for (String l : p.labels) {
                names.add(l);
                if (allIntegers && NON_NEGATIVE.matcher(l).matches() && l.length() < 10) {
                    max = Math.max(max, Long.parseLong(l));
                } else {
                    allIntegers = false;
                }
            }
        }
        if (targets && labels) {
            throw new KtException("the train and test parts disagree: one has class labels, the other regression "
                    + "targets");
        }
        List<String> classes = new ArrayList<>();
        if (!targets) {
            if (allIntegers) {
                for (long c = 0; c <= max; c++) {
                    classes.add(Long.toString(c));
                }
            } else {
                classes.addAll(names);
            }
        }
        Dataset[] out = new Dataset[parts.length];
        for (int k = 0; k < parts.length; k++) {
            Part p = parts[k];
            if (p == null) {
                continue;
            }
            int n = p.data.size();
            if (n == 0 && p.skipped.isEmpty()) {
                throw new KtException(p.source + " has no samples");
            }
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = targets ? 0 : classes.indexOf(p.labels.get(i));
            }
            LoadOptions o = limits[k];
            int[] keep = Selection.select(all, targets ? 1 : classes.size(), o.limitPerClass(), o.limit());
            byte[][] data = new byte[keep.length][];
            int[] h = new int[keep.length];
            int[] w = new int[keep.length];
            int[] c = new int[keep.length];
            int[] lab = new int[keep.length];
            float[][] t = targets ? new float[keep.length][] : null;
            String[] nm = new String[keep.length];
            for (int i = 0; i < keep.length; i++) {
                int j = keep[i];
                data[i] = p.data.get(j);
                h[i] = p.hwc.get(j)[0];
                w[i] = p.hwc.get(j)[1];
                c[i] = p.hwc.get(j)[2];
                lab[i] = all[j];
                nm[i] = p.names.get(j);
                if (targets) {
                    t[i] = p.targets.get(j);
                }
            }
            out[k] = new Dataset(p.source, p.kind, classes, data, h, w, c, lab, i -> nm[i], p.skipped,
                    p.targetNames, t, int8);
        }
        return out;
    }
}
