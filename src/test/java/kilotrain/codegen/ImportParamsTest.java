package kilotrain.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.function.IntSupplier;
import kilotrain.cli.Main;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.model.TrainedModel;
import kilotrain.ops.core.Param;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The way back from the device: compile writes the model its C project starts from, the built program trains and
 * exports its parameters, and import-params makes a model of them that equals the Java twin's after the same steps.
 */
class ImportParamsTest {
    static final Path RESNET = CGeneratorTest.SHARED.resolve("models/mlperf-tiny/pretrainedResnet_quant.tflite");
    static final String NAMES = "airplane,automobile,bird,cat,deer,dog,frog,horse,ship,truck";

    @Test
    void theDevicesTrainedParametersBecomeTheJavaTwinsModel(@TempDir Path dir) throws Exception {
        CBuild.requireTool("gcc");
        CBuild.requireTool("make");
        Path project = dir.resolve("device");
        stdout(() -> Main.run("compile", RESNET.toString(), "--scheme", "last-k:2", "--target", "host",
                "--out", project.toString(), "--class-names", NAMES));
        Path start = project.resolve("start.ktm");
        TrainedModel begin = TrainedModel.load(start);
        assertEquals(List.of(NAMES.split(",")), begin.classes);
        assertTrue(begin.program.int8Head(), "a TFLite model gets the int8 head by default");

        int[] labels = new int[5];
        List<byte[]> inputs = CGeneratorTest.cifarTestSamples(begin.graph, labels);
        CBuild.run(project, List.of("make", "-s", "kt_host"), 600);
        CBuild.writeSamples(project.resolve("samples.bin"), inputs, labels);
        int steps = 10;
        String log = CBuild.run(project, List.of("./kt_host", "samples.bin", Integer.toString(steps), "params.bin"),
                600);

        Path trained = dir.resolve("trained.ktm");
        String said = stdout(() -> Main.run("import-params", start.toString(), project.resolve("params.bin").toString(),
                "--out", trained.toString()));
        assertTrue(said.contains("values differ from"), said);
        TrainedModel after = TrainedModel.load(trained);
        assertEquals(begin.classes, after.classes);
        Object[] imported = after.program.params.stream().map(after.state::value).toArray();
        // the Java twin, trained from start.ktm on the same samples, ends with exactly the imported parameters
        CGeneratorTest.compareWithJava(begin.program, begin.state, 0.025f, steps, CBuild.losses(log), imported,
                CBuild.prediction(log), "ResNet-8 last-k:2 imported", inputs, labels);

        // the hex a firmware prints (kt_device_main's "params ... end" block, here split into lines) gives the same
        byte[] binary = Files.readAllBytes(project.resolve("params.bin"));
        String hex = HexFormat.of().formatHex(binary);
        Path devLog = dir.resolve("uart.log");
        Files.writeString(devLog, "ticks_per_step 123\nparams " + hex.substring(0, 64) + "\n" + hex.substring(64)
                + "\nend\n");
        Path fromHex = dir.resolve("from-hex.ktm");
        stdout(() -> Main.run("import-params", start.toString(), devLog.toString(), "--out",
                fromHex.toString()));
        TrainedModel again = TrainedModel.load(fromHex);
        for (int i = 0; i < after.program.params.size(); i++) {
            Param p = after.program.params.get(i);
            assertValuesEqual(after.state.value(p), again.state.value(again.program.params.get(i)), p.name);
        }

        // TFLite in, TFLite out: the imported model as an int8 .tflite that the importer reads back
        Path tflite = dir.resolve("trained.tflite");
        stdout(() -> Main.run("import-params", start.toString(), project.resolve("params.bin").toString(),
                "--out", tflite.toString()));
        Graph g = ModelLoader.load(tflite);
        assertEquals(begin.graph.input.elements(), g.input.elements());
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(RESNET), Files.readAllBytes(tflite)),
                "the trained weights are in the exported model");

        // bad dumps are refused with the file and what was expected
        long bytes = ParamDump.bytes(begin.program);
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, java.util.Arrays.copyOf(binary, binary.length - 1));
        String err = stderr(() -> Main.run("import-params", start.toString(), cut.toString(), "--out",
                dir.resolve("x.ktm").toString()));
        assertTrue(err.contains(cut.toString()) && err.contains(Long.toString(bytes)), err);
        Path odd = dir.resolve("odd.txt");
        Files.writeString(odd, "params " + hex.substring(1) + "\nend\n");
        err = stderr(() -> Main.run("import-params", start.toString(), odd.toString(), "--out",
                dir.resolve("x.ktm").toString()));
        assertTrue(err.contains("odd count"), err);
        Path shortHex = dir.resolve("short.txt");
        Files.writeString(shortHex, hex.substring(2));
        err = stderr(() -> Main.run("import-params", start.toString(), shortHex.toString(), "--out",
                dir.resolve("x.ktm").toString()));
        assertTrue(err.contains((bytes - 1) + " bytes of parameters, the program has " + bytes), err);
        err = stderr(() -> Main.run("import-params", start.toString(), project.resolve("params.bin").toString(),
                "--out", start.toString()));
        assertTrue(err.contains("refusing to overwrite the input"), err);
        err = stderr(() -> Main.run("import-params", project.resolve("params.bin").toString(),
                project.resolve("params.bin").toString(), "--out", dir.resolve("x.ktm").toString()));
        assertTrue(err.contains("is not a kilotrain model"), err);
        assertFalse(Files.exists(dir.resolve("x.ktm")), "nothing written for a bad dump");
    }

    @Test
    void aDivergedDeviceRunAndAFloatHeadTfliteAreRefused(@TempDir Path dir) throws Exception {
        Path project = dir.resolve("device");
        stdout(() -> Main.run("compile", RESNET.toString(), "--scheme", "bias-only:1", "--head",
                "float", "--out", project.toString()));
        Path start = project.resolve("start.ktm");
        TrainedModel begin = TrainedModel.load(start);
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), begin.classes);
        ByteBuffer bb = ByteBuffer.allocate((int) ParamDump.bytes(begin.program)).order(ByteOrder.LITTLE_ENDIAN);
        for (Param p : begin.program.params) {
            Object v = begin.state.value(p);
            if (v instanceof byte[] b) {
                bb.put(b);
            } else if (v instanceof int[] b) {
                for (int x : b) {
                    bb.putInt(x);
                }
            } else {
                for (float x : (float[]) v) {
                    bb.putFloat(x);
                }
            }
        }
        Path same = dir.resolve("same.bin");
        Files.write(same, bb.array());
        String said = stdout(() -> Main.run("import-params", start.toString(), same.toString(), "--out",
                dir.resolve("same.ktm").toString()));
        assertTrue(said.contains(": 0 of "), "an untrained dump changes nothing: " + said);
        String err = stderr(() -> Main.run("import-params", start.toString(), same.toString(), "--out",
                dir.resolve("float.tflite").toString()));
        assertTrue(err.contains("int8 head") && err.contains("write .ktm"), err);

        bb.putFloat(bb.capacity() - 4, Float.NaN);
        Path nan = dir.resolve("nan.bin");
        Files.write(nan, bb.array());
        err = stderr(() -> Main.run("import-params", start.toString(), nan.toString(), "--out",
                dir.resolve("nan.ktm").toString()));
        assertTrue(err.contains("is NaN") && err.contains("diverged"), err);
        assertFalse(Files.exists(dir.resolve("nan.ktm")));
    }

    private static void assertValuesEqual(Object a, Object b, String what) {
        if (a instanceof byte[] x) {
            assertArrayEquals(x, (byte[]) b, what);
        } else if (a instanceof int[] x) {
            assertArrayEquals(x, (int[]) b, what);
        } else {
            assertArrayEquals((float[]) a, (float[]) b, what);
        }
    }

    private static String stdout(IntSupplier run) {
        return captured(true, run, 0);
    }

    private static String stderr(IntSupplier run) {
        return captured(false, run, 1);
    }

    /** Runs with stdout or stderr captured, asserting the exit code. */
    private static String captured(boolean out, IntSupplier run, int expectedRc) {
        PrintStream old = out ? System.out : System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream p = new PrintStream(buf, true, StandardCharsets.UTF_8);
        int rc;
        if (out) {
            System.setOut(p);
        } else {
            System.setErr(p);
        }
        try {
            rc = run.getAsInt();
        } finally {
            if (out) {
                System.setOut(old);
            } else {
                System.setErr(old);
            }
        }
        String text = buf.toString(StandardCharsets.UTF_8);
        assertEquals(expectedRc, rc, text);
        return text;
    }
}
