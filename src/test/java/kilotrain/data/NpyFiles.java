package kilotrain.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes {@code .npy} files for tests, byte for byte as NumPy's format 1.0 lays them out. */
public final class NpyFiles {
    private NpyFiles() {
    }

    /**
     * Writes {@code values} (given in C order) with NumPy type {@code descr} (e.g. {@code <f4}, {@code |i1},
     * {@code >i2}); with {@code fortran} the data is stored column-major, as NumPy stores a Fortran-ordered array.
     */
    public static Path write(Path file, String descr, int[] shape, boolean fortran, double... values)
            throws IOException {
        StringBuilder dims = new StringBuilder();
        for (int d : shape) {
            dims.append(d).append(", ");
        }
        String sh = shape.length == 1 ? "(" + shape[0] + ",)"
                : "(" + (dims.length() > 0 ? dims.substring(0, dims.length() - 2) : "") + ")";
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': "
                + sh + ", }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        int size = Integer.parseInt(descr.substring(2));
        ByteBuffer data = ByteBuffer.allocate(values.length * size)
                .order(descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < values.length; k++) {
            double v = values[fortran ? cIndexOfFortran(k, shape) : k];
            switch (descr.substring(1)) {
                case "i1", "u1" -> data.put((byte) (long) v);
                case "i2" -> data.putShort((short) v);
                case "i4" -> data.putInt((int) v);
                case "i8" -> data.putLong((long) v);
                case "f4" -> data.putFloat((float) v);
                case "f8" -> data.putDouble(v);
                default -> throw new IllegalArgumentException(descr);
            }
        }
        ByteBuffer out = ByteBuffer.allocate(10 + header.length() + data.capacity()).order(ByteOrder.LITTLE_ENDIAN);
        out.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.putShort((short) header.length());
        out.put(header.getBytes(StandardCharsets.ISO_8859_1));
        out.put(data.array());
        return Files.write(file, out.array());
    }

    /** The C-order index of the element stored at position {@code k} of a Fortran-ordered array. */
    private static int cIndexOfFortran(int k, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = 0; d < shape.length; d++) {
            idx[d] = k % shape[d];
            k /= shape[d];
        }
        int c = 0;
        for (int d = 0; d < shape.length; d++) {
            c = c * shape[d] + idx[d];
        }
        return c;
    }
}
