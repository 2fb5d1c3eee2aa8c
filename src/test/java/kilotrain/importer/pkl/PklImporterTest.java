package kilotrain.importer.pkl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import kilotrain.KtException;
import kilotrain.exec.Executor;
import kilotrain.ir.Conv2D;
import kilotrain.ir.Graph;
import kilotrain.ir.Op;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PklImporterTest {
    static final Path SHARED = Path.of(System.getProperty("user.dir")).resolve("../shared").normalize();
    static final Path MODEL = SHARED.resolve("models/tiny-training/mbv2-w0.35.pkl");

    @TempDir
    Path tmp;

    static byte[] dataPkl() throws IOException {
        try (ZipFile z = new ZipFile(MODEL.toFile())) {
            return z.getInputStream(z.getEntry("archive/data.pkl")).readAllBytes();
        }
    }

    Path zip(String name, Map<String, byte[]> entries) throws IOException {
        Path p = tmp.resolve(name);
        try (OutputStream os = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(os)) {
            for (var e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return p;
    }

    Path withPickle(String name, byte[] pickle) throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("archive/data.pkl", pickle);
        m.put("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        return zip(name, m);
    }

    static KtException fails(Path p) {
        return assertThrows(KtException.class, () -> PklImporter.load(p));
    }

    static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void importsTheModelStructure() {
        Graph g = PklImporter.load(MODEL);
        assertEquals(Graph.Source.TINY_TRAINING_PKL, g.source);
        assertArrayEquals(new int[] {1, 128, 128, 3}, g.input.shape);
        assertArrayEquals(new int[] {1, 1, 1, 1000}, g.output.shape);
        assertArrayEquals(new int[] {1, 1, 1, 112}, g.marks.get("pool").shape);
        Conv2D first = (Conv2D) g.weightedOps().get(0);
        assertEquals(2, first.strideH);
        assertEquals(1, first.padding.top());
        assertArrayEquals(new int[] {16, 3, 3, 3}, first.weight.shape);
        assertTrue(g.ops.stream().filter(o -> o instanceof kilotrain.ir.Add).count() == 10);
    }

    @Test
    void missingOrCorruptFilesAreNamed() throws IOException {
        Path none = tmp.resolve("none.pkl");
        assertTrue(fails(none).getMessage().contains("none.pkl"));
        Path junk = tmp.resolve("junk.pkl");
        Files.write(junk, "this is not a zip archive at all".getBytes(StandardCharsets.US_ASCII));
        assertTrue(fails(junk).getMessage().contains("junk.pkl"));
        Path empty = zip("empty.pkl", Map.of("archive/other", new byte[3]));
        assertTrue(fails(empty).getMessage().contains("data.pkl"));
        byte[] whole = Files.readAllBytes(MODEL);
        Path cut = tmp.resolve("cut.pkl");
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length / 2));
        assertTrue(fails(cut).getMessage().contains("cut.pkl"));
    }

    @Test
    void truncatedPicklesFailWithTheirOffset() throws IOException {
        byte[] pkl = dataPkl();
        for (int len : new int[] {0, 1, 7, 100, 1000, pkl.length / 3, pkl.length / 2, pkl.length - 1}) {
            Path p = withPickle("trunc" + len + ".pkl", java.util.Arrays.copyOf(pkl, len));
            String msg = fails(p).getMessage();
            assertTrue(msg.contains("trunc" + len + ".pkl"), msg);
            assertTrue(msg.contains("offset") || msg.contains("corrupt"), msg);
        }
    }

    @Test
    void absurdLengthsAreRejectedBeforeAllocating() throws IOException {
        byte[] pkl = dataPkl();
        // the first BINUNICODE after the weight's dtype holds the raw bytes; claim 2 GB for it
        int at = indexOf(pkl, "latin1".getBytes(StandardCharsets.US_ASCII), 0);
        int x = indexOf(pkl, new byte[] {'X'}, indexOf(pkl, "'b'".getBytes(StandardCharsets.US_ASCII), 0) + 1);
        int raw = -1;
        for (int i = at + 6; i < pkl.length; i++) {
            if (pkl[i] == 'X' && (pkl[i + 1] & 0xFF) + ((pkl[i + 2] & 0xFF) << 8) == 432) { // 16*3*3*3 weight bytes
                raw = i;
                break;
            }
        }
        assertTrue(raw > 0 || x > 0);
        byte[] bad = pkl.clone();
        int pos = raw > 0 ? raw : x;
        bad[pos + 1] = (byte) 0xF0;
        bad[pos + 2] = (byte) 0xFF;
        bad[pos + 3] = (byte) 0xFF;
        bad[pos + 4] = (byte) 0x7F;
        String msg = fails(withPickle("huge.pkl", bad)).getMessage();
        assertTrue(msg.contains("offset " + pos), msg);
    }

    @Test
    void missingKeysAndWrongDtypesNameTheKey() throws IOException {
        byte[] pkl = dataPkl();
        byte[] renamed = pkl.clone();
        int at = indexOf(renamed, "classifier".getBytes(StandardCharsets.US_ASCII), 0);
        renamed[at + 9] = 'x';
        String msg = fails(withPickle("renamed.pkl", renamed)).getMessage();
        assertTrue(msg.contains("classifier") && msg.contains("renamed.pkl"), msg);

        byte[] retyped = pkl.clone();
        int i4 = indexOf(retyped, "Xi4".getBytes(StandardCharsets.US_ASCII), 0);
        if (i4 < 0) {
            i4 = indexOf(retyped, "i4".getBytes(StandardCharsets.US_ASCII), 0) - 1;
        }
        retyped[i4 + 2] = '1'; // bias dtype i4 -> i1: byte count no longer matches the shape
        msg = fails(withPickle("retyped.pkl", retyped)).getMessage();
        assertTrue(msg.contains("retyped.pkl"), msg);

        byte[] f8 = pkl.clone();
        int f4 = indexOf(f8, "f4".getBytes(StandardCharsets.US_ASCII), 0);
        f8[f4] = 'u'; // w_scales as u4: right size, wrong dtype
        msg = fails(withPickle("dtype.pkl", f8)).getMessage();
        assertTrue(msg.contains("w_scales") && msg.contains("u4"), msg);
    }

    // ------------------------------------------------------------- torch-form archive written from the numpy one

    /** Minimal protocol-2 pickle writer emitting tensors the way torch.save does (persistent storages). */
    static final class TorchPickler {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final Map<String, byte[]> storages = new LinkedHashMap<>();

        void global(String module, String name) {
            write("c" + module + "\n" + name + "\n");
        }

        void write(String ascii) {
            out.writeBytes(ascii.getBytes(StandardCharsets.UTF_8));
        }

        void str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write('X');
            int n = b.length;
            out.write(n);
            out.write(n >> 8);
            out.write(n >> 16);
            out.write(n >> 24);
            out.writeBytes(b);
        }

        void integer(long v) {
            out.write('J');
            for (int i = 0; i < 4; i++) {
                out.write((int) (v >> (8 * i)));
            }
        }

        void obj(Object o) {
            if (o == null) {
                out.write('N');
            } else if (o instanceof Boolean b) {
                out.write(b ? 0x88 : 0x89);
            } else if (o instanceof Number n && !(o instanceof Double)) {
                integer(n.longValue());
            } else if (o instanceof Double d) {
                out.write('G');
                long bits = Double.doubleToRawLongBits(d);
                for (int i = 7; i >= 0; i--) {
                    out.write((int) (bits >> (8 * i)));
                }
            } else if (o instanceof String s) {
                str(s);
            } else if (o instanceof Object[] t) {
                out.write('(');
                for (Object e : t) {
                    obj(e);
                }
                out.write('t');
            } else if (o instanceof List<?> l) {
                out.write(']');
                out.write('(');
                for (Object e : l) {
                    obj(e);
                }
                out.write('e');
            } else if (o instanceof Map<?, ?> m) {
                out.write('}');
                out.write('(');
                for (var e : m.entrySet()) {
                    obj(e.getKey());
                    obj(e.getValue());
                }
                out.write('u');
            } else if (o instanceof NdArray a) {
                tensor(a);
            } else {
                throw new IllegalArgumentException("cannot pickle " + o.getClass());
            }
        }

        void tensor(NdArray a) {
            String key = String.valueOf(storages.size());
            String type = switch (a.dtype) {
                case "i1" -> "CharStorage";
                case "i4" -> "IntStorage";
                case "f4" -> "FloatStorage";
                default -> throw new IllegalArgumentException(a.dtype);
            };
            int item = a.dtype.equals("i1") ? 1 : 4;
            // store with a leading pad element so the storage offset is exercised
            byte[] data = new byte[a.data.length + item];
            System.arraycopy(a.data, 0, data, item, a.data.length);
            storages.put(key, data);
            global("torch._utils", "_rebuild_tensor_v2");
            out.write('(');
            out.write('(');
            str("storage");
            global("torch", type);
            str(key);
            str("cpu");
            integer(a.elements() + 1);
            out.write('t');
            out.write('Q');
            integer(1);
            Object[] size = new Object[a.shape.length];
            Object[] stride = new Object[a.shape.length];
            long s = 1;
            for (int i = a.shape.length - 1; i >= 0; i--) {
                size[i] = a.shape[i];
                stride[i] = s;
                s *= a.shape[i];
            }
            obj(size);
            obj(stride);
            out.write(0x89);
            global("collections", "OrderedDict");
            out.write(')');
            out.write('R');
            out.write('t');
            out.write('R');
        }

        byte[] finish(Object root) {
            out.write(0x80);
            out.write(2);
            obj(root);
            out.write('.');
            return out.toByteArray();
        }
    }

    @Test
    void torchStorageFormGivesTheSameGraph() throws IOException {
        Object root = PklUnpickler.loadPickle(dataPkl(), key -> {
            throw new AssertionError("numpy form has no storages");
        });
        TorchPickler tp = new TorchPickler();
        byte[] pickle = tp.finish(root);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("model/data.pkl", pickle);
        for (var e : tp.storages.entrySet()) {
            entries.put("model/data/" + e.getKey(), e.getValue());
        }
        Path torch = zip("torch-form.pkl", entries);
        Graph a = PklImporter.load(MODEL), b = PklImporter.load(torch);
        List<Op> wa = a.weightedOps(), wb = b.weightedOps();
        assertEquals(wa.size(), wb.size());
        for (int i = 0; i < wa.size(); i++) {
            Conv2D ca = (Conv2D) wa.get(i), cb = (Conv2D) wb.get(i);
            assertArrayEquals(ca.weight.int8Data, cb.weight.int8Data);
            assertArrayEquals(ca.bias.int32Data, cb.bias.int32Data);
            assertArrayEquals(ca.weight.quant.scalesDouble, cb.weight.quant.scalesDouble);
        }
        byte[] x = new byte[a.input.elements()];
        new java.util.Random(4).nextBytes(x);
        assertArrayEquals(new Executor(a).run(x), new Executor(b).run(x));

        // a storage entry shorter than the tensor it backs is refused
        entries.put("model/data/0", new byte[10]);
        String msg = fails(zip("short-storage.pkl", entries)).getMessage();
        assertTrue(msg.contains("short-storage.pkl") && msg.contains("storage"), msg);
    }
}
