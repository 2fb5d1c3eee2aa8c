package kilotrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import kilotrain.KtException;
import kilotrain.ir.Quant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** .npy and CSV datasets: the reader, the int8 conversion rules, the layouts, and their errors. */
class NumericDatasetsTest {
    @TempDir
    Path tmp;

    /** A model input [1, 4] quantized with scale 0.5 and zero point -1 (TFLite's QuantizeOpTest INT8 parameters). */
    static LoadOptions input4() {
        return LoadOptions.defaults().withInput(new int[] {1, 4}, Quant.perTensor(0.5, -1));
    }

    @Test
    void quantizationIsTflitesQuantize() {
        // TensorFlow Lite's kernels/quantize_test.cc, QuantizeOpTest.INT8: scale 0.5, zero point -1
        float[] in = {-63.5f, -63, -62.5f, -62, -61.5f, 62, 62.5f, 63, 63.5f, 64};
        int[] golden = {-128, -127, -126, -125, -124, 123, 124, 125, 126, 127};
        for (int i = 0; i < in.length; i++) {
            assertEquals(golden[i], InputSpec.quantizeReal(in[i], 0.5f, -1), "x = " + in[i]);
        }
        // TfLiteRound is std::round: halves away from zero (half to even would give 0, -2, 2)
        assertEquals(1, InputSpec.quantizeReal(0.25f, 0.5f, 0));
        assertEquals(-1, InputSpec.quantizeReal(-0.25f, 0.5f, 0));
        assertEquals(-3, InputSpec.quantizeReal(-1.25f, 0.5f, 0));
        assertEquals(3, InputSpec.quantizeReal(1.25f, 0.5f, 0));
        // the division is float32, as TFLite's: this quotient is -50.5f in float32 (rounded to -51) but
        // -50.4999998 in double (which would round to -50)
        assertEquals(-51, InputSpec.quantizeReal(-47.90938949584961f, 0.9487007856369019f, 0));
        assertEquals(127, InputSpec.quantizeReal(1e30f, 0.5f, 0));
        assertEquals(-128, InputSpec.quantizeReal(-1e30f, 0.5f, 0));
    }

    @Test
    void npyReaderReadsEveryTypeInCAndFortranOrder() throws Exception {
        double[] v = {1, -2, 3, -4, 5, -6};
        for (String d : new String[] {"|i1", "<i2", "<i4", "<i8", "<f4", "<f8"}) {
            for (boolean fortran : new boolean[] {false, true}) {
                Npy.Array a = Npy.read(NpyFiles.write(tmp.resolve("a.npy"), d, new int[] {2, 3}, fortran, v));
                assertArrayEquals(new int[] {2, 3}, a.shape());
                assertEquals(fortran, a.fortran);
                for (int i = 0; i < v.length; i++) {
                    assertEquals(v[i], a.get(i), d + " fortran " + fortran + " element " + i);
                }
            }
        }
        Npy.Array u = Npy.read(NpyFiles.write(tmp.resolve("u.npy"), "|u1", new int[] {3}, false, 0, 128, 255));
        assertEquals(255, u.get(2));
        Npy.Array f = Npy.read(NpyFiles.write(tmp.resolve("f.npy"), "<f4", new int[] {1}, false, 0.1));
        assertEquals(0.1f, f.getFloat(0));
        // a 3-D Fortran array: element (i, j, k) of shape (2, 3, 4) at C index 12i + 4j + k
        double[] c3 = new double[24];
        for (int i = 0; i < 24; i++) {
            c3[i] = i;
        }
        Npy.Array a3 = Npy.read(NpyFiles.write(tmp.resolve("c3.npy"), "<f8", new int[] {2, 3, 4}, true, c3));
        for (int i = 0; i < 24; i++) {
            assertEquals(i, a3.get(i));
        }
        byte[] raw = Files.readAllBytes(tmp.resolve("c3.npy"));
        assertFalse(raw[10 + 2 * 8] == 1 && raw[10 + 8] == 12, "stored column-major");
    }

    @Test
    void npyReaderRefusesWhatItCannotRead() throws Exception {
        Path be = NpyFiles.write(tmp.resolve("be.npy"), ">i2", new int[] {2}, false, 1, 2);
        KtException e = assertThrows(KtException.class, () -> Npy.read(be));
        assertTrue(e.getMessage().contains(be + ": big-endian data ('>i2') is not read"), e.getMessage());
        Path c = NpyFiles.write(tmp.resolve("c.npy"), "<f4", new int[] {2}, false, 1, 2);
        byte[] b = Files.readAllBytes(c);
        String text = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1).replace("<f4", "<c8");
        Files.write(c, text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        e = assertThrows(KtException.class, () -> Npy.read(c));
        assertTrue(e.getMessage().contains("dtype '<c8' is not supported"), e.getMessage());
        Path cut = tmp.resolve("cut.npy");
        Files.write(cut, java.util.Arrays.copyOf(b, b.length - 3));
        e = assertThrows(KtException.class, () -> Npy.read(cut));
        assertTrue(e.getMessage().contains("shape (2,) of float32 needs 8 data bytes after the header, the file has 5"),
                e.getMessage());
        Path junk = Files.writeString(tmp.resolve("junk.npy"), "x,y\n1,2\n");
        e = assertThrows(KtException.class, () -> Npy.read(junk));
        assertTrue(e.getMessage().contains(junk + " is not a .npy file"), e.getMessage());
    }

    @Test
    void arraysLayoutQuantizesFloatsTakesIntsAndNumbersTheClasses() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("arrays"));
        NpyFiles.write(root.resolve("x_train.npy"), "<f4", new int[] {3, 4}, false,
                -63.5, -62.5, 0.25, 64, 1, 2, 3, 4, 0, 0, 0, 0);
        NpyFiles.write(root.resolve("y_train.npy"), "<i8", new int[] {3}, false, 2, 0, 2);
        NpyFiles.write(root.resolve("x_test.npy"), "|i1", new int[] {2, 1, 4}, false, 1, 2, 3, 4, -128, 127, 0, 5);
        NpyFiles.write(root.resolve("y_test.npy"), "<i4", new int[] {2, 1}, false, 1, 0);
        DatasetSplit s = DatasetSplit.open(root, input4());
        assertEquals(List.of("0", "1", "2"), s.train().classes(), "integer labels 0..max, class 1 has no train sample");
        assertEquals(s.train().classes(), s.test().classes());
        assertArrayEquals(new byte[] {-128, -126, 0, 127}, s.train().data(0));
        assertEquals(2, s.train().label(0));
        assertArrayEquals(new byte[] {1, 3, 5, 7}, s.train().data(1));
        assertArrayEquals(new byte[] {-128, 127, 0, 5}, s.test().data(1), "int8 values as they are");
        assertEquals(Dataset.Kind.RAW, s.test().kind());
        assertEquals(root.resolve("x_test.npy") + "[1]", s.test().name(1));

        NpyFiles.write(root.resolve("x_test.npy"), "<i2", new int[] {2, 4}, false, 1, 2, 3, 4, 0, 300, 0, 0);
        KtException e = assertThrows(KtException.class, () -> DatasetSplit.open(root, input4()));
        assertTrue(e.getMessage().contains(root.resolve("x_test.npy") + "[1]: element 1 is 300, outside -128..127"),
                e.getMessage());
        assertTrue(e.getMessage().contains("--skip-bad-samples"), e.getMessage());
        DatasetSplit skipped = DatasetSplit.open(root, input4().withOnUnreadable(LoadOptions.OnUnreadable.SKIP));
        assertEquals(1, skipped.test().size());
        assertEquals(1, skipped.test().skipped().size());

        NpyFiles.write(root.resolve("x_test.npy"), "<f4", new int[] {2, 5}, false, new double[10]);
        e = assertThrows(KtException.class, () -> DatasetSplit.open(root, input4()));
        assertTrue(e.getMessage().contains("a sample of shape (5,) (5 values) does not fit the model input [1, 4]"),
                e.getMessage());
        NpyFiles.write(root.resolve("x_test.npy"), "<f4", new int[] {2, 4}, false, 0, Double.NaN, 0, 0, 0, 0, 0, 0);
        e = assertThrows(KtException.class, () -> DatasetSplit.open(root, input4()));
        assertTrue(e.getMessage().contains("x_test.npy[0]: element 1 is NaN, not a finite number"), e.getMessage());
    }

    /** The test part is cut by its own limits, not the training part's; an int8 y of shape (N, K) holds int8 targets. */
    @Test
    void eachPartKeepsItsOwnLimitsAndInt8YIsTargets() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("limits"));
        for (String part : new String[] {"train", "test"}) {
            NpyFiles.write(root.resolve("x_" + part + ".npy"), "|i1", new int[] {6, 4}, false, new double[24]);
            NpyFiles.write(root.resolve("y_" + part + ".npy"), "<i8", new int[] {6}, false, 0, 1, 0, 1, 0, 1);
        }
        DatasetSplit s = DatasetSplit.open(root, input4().withLimitPerClass(1), input4().withLimitPerClass(3));
        assertEquals(2, s.train().size());
        assertEquals(6, s.test().size());
        NpyFiles.write(root.resolve("y_train.npy"), "|i1", new int[] {6, 1}, false, -5, 7, 0, 1, 127, -128);
        NpyFiles.write(root.resolve("y_test.npy"), "|i1", new int[] {6, 1}, false, 1, 2, 3, 4, 5, 6);
        DatasetSplit t = DatasetSplit.open(root, input4(), input4().withLimit(4));
        assertTrue(t.train().hasTargets() && t.train().targetsInt8() && t.test().targetsInt8());
        assertArrayEquals(new float[] {-128}, t.train().targets(5));
        assertEquals(4, t.test().size());
    }

    @Test
    void floatTargetsAndLimits() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("reg"));
        NpyFiles.write(root.resolve("x_train.npy"), "<f8", new int[] {4, 4}, true, new double[16]);
        NpyFiles.write(root.resolve("y_train.npy"), "<f4", new int[] {4, 2}, false, 1, 2, 3, 4, 5, 6, 7, 8);
        DatasetSplit s = DatasetSplit.open(root, input4().withLimit(3));
        assertTrue(s.train().hasTargets());
        assertEquals(List.of("y0", "y1"), s.train().targetNames());
        assertEquals(3, s.train().size());
        assertArrayEquals(new float[] {5, 6}, s.train().targets(2));
        assertEquals(List.of(), s.train().classes());
        assertEquals(null, s.test());
    }

    @Test
    void oneNpyFilePerSampleInClassFolders() throws Exception {
        Path root = tmp.resolve("folders");
        for (String part : new String[] {"train", "test"}) {
            Files.createDirectories(root.resolve(part + "/cat"));
            Files.createDirectories(root.resolve(part + "/dog"));
            NpyFiles.write(root.resolve(part + "/cat/0.npy"), "<f4", new int[] {1, 4}, false, 0.5, 1, 1.5, 2);
            NpyFiles.write(root.resolve(part + "/dog/0.npy"), "|i1", new int[] {4}, false, 9, 8, 7, 6);
        }
        DatasetSplit s = DatasetSplit.open(root, input4());
        assertEquals(List.of("cat", "dog"), s.train().classes());
        assertArrayEquals(new byte[] {0, 1, 2, 3}, s.train().data(0));
        assertArrayEquals(new byte[] {9, 8, 7, 6}, s.test().data(1));

        Path img = tmp.resolve("img");
        Files.createDirectories(img.resolve("a"));
        NpyFiles.write(img.resolve("a/0.npy"), "|u1", new int[] {2, 2, 3}, false, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255);
        Dataset d = FolderDatasets.open(img, input4());
        assertEquals(Dataset.Kind.IMAGE, d.kind());
        assertEquals(2, d.height(0));
        assertEquals(3, d.channels(0));
        assertEquals((byte) 255, d.data(0)[11]);
        NpyFiles.write(img.resolve("a/0.npy"), "|u1", new int[] {12}, false, new double[12]);
        KtException e = assertThrows(KtException.class, () -> FolderDatasets.open(img, input4()));
        assertTrue(e.getMessage().contains("uint8 samples are read as images (H, W) or (H, W, C)"), e.getMessage());
    }

    @Test
    void csvRowsWithLabelsOrTargets() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("csv"));
        Files.writeString(root.resolve("train.csv"), "a,b,label,c,d\n-63.5,0.25,dog,1,-1.25\n0,0,\"cat\",0,0\n\n"
                + "1,2,bird,3,4\n");
        Files.writeString(root.resolve("test.csv"), "a,b,label,c,d\n1,2,cat,3,4\n-128,127,dog,0,+5\n");
        DatasetSplit s = DatasetSplit.open(root, input4());
        assertEquals(List.of("bird", "cat", "dog"), s.train().classes(), "names sorted");
        assertEquals(2, s.train().label(0));
        assertArrayEquals(new byte[] {-128, 0, 1, -4}, s.train().data(0), "floats quantized: any real value in the file");
        assertArrayEquals(new byte[] {-128, 127, 0, 5}, s.test().data(1), "an all-integer file: the int8 values");
        assertEquals(root.resolve("test.csv") + ":3", s.test().name(1));

        Files.writeString(root.resolve("test.csv"), "a,b,label,c,d\n1,2,cat,3\n1,2,cat,3,x\n1,2,cat,3,4\n");
        KtException e = assertThrows(KtException.class, () -> DatasetSplit.open(root, input4()));
        assertTrue(e.getMessage().contains(root.resolve("test.csv") + ":2: 4 fields, the header has 5"),
                e.getMessage());
        DatasetSplit skipped = DatasetSplit.open(root, input4().withOnUnreadable(LoadOptions.OnUnreadable.SKIP));
        assertEquals(1, skipped.test().size());
        assertEquals(2, skipped.test().skipped().size());
        assertTrue(skipped.test().skipped().get(1).contains("test.csv:3: column 'd' holds 'x', not a number"),
                skipped.test().skipped().toString());

        Path reg = tmp.resolve("reg.csv");
        Files.writeString(reg, "x0,y,x1,x2,x3,z\n0.5,0.1,1,1.5,2,-3\n");
        Dataset r = DatasetSplit.openTest(reg, input4().withColumns(null, List.of("y", "z")));
        assertEquals(List.of("y", "z"), r.targetNames());
        assertArrayEquals(new float[] {0.1f, -3f}, r.targets(0));
        assertArrayEquals(new byte[] {0, 1, 2, 3}, r.data(0));

        Files.writeString(reg, "1,2,3,4,5\n");
        e = assertThrows(KtException.class, () -> DatasetSplit.openTest(reg, input4()));
        assertTrue(e.getMessage().contains("the first line has no column names"), e.getMessage());
        Files.writeString(reg, "a,b,c,d,kind\n1,2,3,4,x\n");
        e = assertThrows(KtException.class, () -> DatasetSplit.openTest(reg, input4()));
        assertTrue(e.getMessage().contains("no column named 'label'; name the label column (--label-column)"),
                e.getMessage());
        assertEquals(List.of("x"), DatasetSplit.openTest(reg, input4().withColumns("kind", List.of())).classes());
        e = assertThrows(KtException.class, () -> DatasetSplit.openTest(reg, input4().withColumns("typo", List.of())));
        assertTrue(e.getMessage().contains("--label-column 'typo' is not a column; the header has [a, b, c, d, kind]"),
                e.getMessage());
        Files.writeString(reg, "a,b,c,label\n1,2,3,x\n");
        e = assertThrows(KtException.class, () -> DatasetSplit.openTest(reg, input4()));
        assertTrue(e.getMessage().contains("3 feature columns (all but the label and target columns), the model input "
                + "[1, 4] needs 4"), e.getMessage());
    }
}
