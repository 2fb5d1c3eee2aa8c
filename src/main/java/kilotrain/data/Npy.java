package kilotrain.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import kilotrain.KtException;

/**
 * NumPy's {@code .npy} format (versions 1.0, 2.0 and 3.0): the magic {@code \x93NUMPY}, a version, a header length, a
 * Python dict literal {@code {'descr': '<f4', 'fortran_order': False, 'shape': (N, 640), }} and the raw data.
 * Read here: little-endian (or byte-order-free) int8, uint8, int16, int32, int64, float32 and float64, in C or Fortran
 * order (Fortran order is read through its index mapping, so values come in C order either way). Big-endian data,
 * other types (bool, complex, strings, objects) and pickled arrays are refused with the file and the type named.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** The element types read. */
    public enum DType {
        INT8("i1", 1, true), UINT8("u1", 1, true), INT16("i2", 2, true), INT32("i4", 4, true), INT64("i8", 8, true),
        FLOAT32("f4", 4, false), FLOAT64("f8", 8, false);

        final String code;
        final int size;
        final boolean integer;

        DType(String code, int size, boolean integer) {
            this.code = code;
            this.size = size;
            this.integer = integer;
        }

        public boolean integer() {
            return integer;
        }

        /** NumPy's name, for messages. */
        public String numpyName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private Npy() {
    }

    /** A whole array as stored. */
    public static final class Array {
        public final Path file;
        public final DType dtype;
        private final int[] shape;
        public final boolean fortran;
        private final byte[] bytes;
        private final int offset;
        private final long elements;

        Array(Path file, DType dtype, int[] shape, boolean fortran, byte[] bytes, int offset) {
            this.file = file;
            this.dtype = dtype;
            this.shape = shape;
            this.fortran = fortran;
            this.bytes = bytes;
            this.offset = offset;
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            this.elements = n;
        }

        public int[] shape() {
            return shape.clone();
        }

        public int rank() {
            return shape.length;
        }

        public int dim(int i) {
            return shape[i];
        }

        public long elements() {
            return elements;
        }

        public String shapeText() {
            return Npy.shapeText(shape);
        }

        /** The value at flat C-order index {@code i} (row-major, last index fastest), whatever the stored order. */
        public double get(long i) {
            long at = fortran ? fortranOffset(i) : i;
            int p = offset + (int) (at * dtype.size);
            return switch (dtype) {
                case INT8 -> bytes[p];
                case UINT8 -> bytes[p] & 0xFF;
                case INT16 -> (short) ((bytes[p] & 0xFF) | (bytes[p + 1] << 8));
                case INT32 -> le32(p);
                case INT64 -> (double) ((le32(p) & 0xFFFFFFFFL) | ((long) le32(p + 4) << 32));
                case FLOAT32 -> Float.intBitsToFloat(le32(p));
                case FLOAT64 -> Double.longBitsToDouble((le32(p) & 0xFFFFFFFFL) | ((long) le32(p + 4) << 32));
            };
        }

        /** The value at flat C-order index {@code i} as a float32 (how real values enter quantization). */
        public float getFloat(long i) {
            return dtype == DType.FLOAT32 ? Float.intBitsToFloat(le32(offset + (int) ((fortran ? fortranOffset(i) : i)
                    * 4))) : (float) get(i);
        }

        private int le32(int p) {
            return (bytes[p] & 0xFF) | (bytes[p + 1] & 0xFF) << 8 | (bytes[p + 2] & 0xFF) << 16 | bytes[p + 3] << 24;
        }

        /** Where C-order element {@code i} lies in Fortran (column-major, first index fastest) storage. */
        private long fortranOffset(long i) {
            long at = 0;
            long stride = 1;
            long rest = i;
            long[] idx = new long[shape.length];
            for (int d = shape.length - 1; d >= 0; d--) {
                idx[d] = rest % shape[d];
                rest /= shape[d];
            }
            for (int d = 0; d < shape.length; d++) {
                at += idx[d] * stride;
                stride *= shape[d];
            }
            return at;
        }
    }

    static String shapeText(int[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /** Reads a whole {@code .npy} file. */
    public static Array read(Path file) {
        byte[] b;
        try {
            if (Files.size(file) > Integer.MAX_VALUE - 64) {
                throw new KtException(file + ": .npy files above 2 GB are not read; split the array");
            }
            b = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new KtException("cannot read .npy file " + file + ": " + e, e);
        }
        return parse(file, b);
    }

    static Array parse(Path file, byte[] b) {
        if (b.length < 10 || !Arrays.equals(Arrays.copyOf(b, 6), MAGIC)) {
            throw new KtException(file + " is not a .npy file (no \\x93NUMPY magic at offset 0)");
        }
        int major = b[6] & 0xFF;
        int headerLen;
        int start;
        if (major == 1) {
            headerLen = (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
            start = 10;
        } else if (major == 2 || major == 3) {
            if (b.length < 12) {
                throw new KtException(file + ": .npy header is truncated (" + b.length + " bytes)");
            }
            headerLen = (b[8] & 0xFF) | (b[9] & 0xFF) << 8 | (b[10] & 0xFF) << 16 | (b[11] & 0xFF) << 24;
            start = 12;
        } else {
            throw new KtException(file + ": .npy format version " + major + "." + (b[7] & 0xFF)
                    + " is not supported (1.0, 2.0 and 3.0 are)");
        }
        if (headerLen < 0 || start + headerLen > b.length) {
            throw new KtException(file + ": .npy header of " + headerLen + " bytes runs past the end of the file ("
                    + b.length + " bytes)");
        }
        String header = new String(b, start, headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, file, "descr");
        DType dtype = dtype(descr, file);
        boolean fortran = group(FORTRAN, header, file, "fortran_order").equals("True");
        int[] shape = shape(group(SHAPE, header, file, "shape"), file);
        Array a = new Array(file, dtype, shape, fortran, b, start + headerLen);
        long need = a.elements() * dtype.size;
        long have = b.length - (long) (start + headerLen);
        if (have != need) {
            throw new KtException(file + ": shape " + a.shapeText() + " of " + dtype.numpyName() + " needs " + need
                    + " data bytes after the header, the file has " + have);
        }
        return a;
    }

    private static String group(Pattern p, String header, Path file, String key) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new KtException(file + ": .npy header has no readable '" + key + "' entry: " + header.trim());
        }
        return m.group(1);
    }

    private static DType dtype(String descr, Path file) {
        if (descr.length() < 2) {
            throw new KtException(file + ": unknown .npy dtype '" + descr + "'");
        }
        char order = descr.charAt(0);
        String code = descr.substring(1);
        for (DType t : DType.values()) {
            if (t.code.equals(code)) {
                boolean orderFree = t.size == 1 && (order == '|' || order == '<' || order == '>' || order == '=');
                if (!orderFree && order == '>') {
                    throw new KtException(file + ": big-endian data ('" + descr + "') is not read; save it "
                            + "little-endian, e.g. numpy: a.astype('<" + code + "')");
                }
                if (orderFree || order == '<' || order == '=' || order == '|') {
                    return t;
                }
            }
        }
        throw new KtException(file + ": .npy dtype '" + descr + "' is not supported (int8, uint8, int16, int32, "
                + "int64, float32 or float64, little-endian)");
    }

    private static int[] shape(String text, Path file) {
        List<Integer> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String t = part.trim();
            if (t.isEmpty()) {
                continue;
            }
            if (t.endsWith("L")) {
                t = t.substring(0, t.length() - 1);
            }
            try {
                int d = Integer.parseInt(t);
                if (d < 0) {
                    throw new NumberFormatException();
                }
                dims.add(d);
            } catch (NumberFormatException e) {
                throw new KtException(file + ": .npy shape (" + text + ") has a dimension '" + t
                        + "' that is not a size");
            }
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }
}
