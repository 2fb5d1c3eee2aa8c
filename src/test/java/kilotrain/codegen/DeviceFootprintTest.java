package kilotrain.codegen;

import kilotrain.device.DeviceBench;
import kilotrain.device.DeviceFootprint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The compile-time account of the Cortex-M7 program ({@link DeviceFootprint}) against what arm-none-eabi-size reads
 * from the linked ELF. RAM (.data + .bss + stack reserve, what the linker checks against the 256 KB region) must
 * agree to the 8-byte section alignment; flash to {@link #CODE_SLACK}, because code is the one estimated part.
 */
class DeviceFootprintTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Each of .data and .bss ends on 8 bytes and the arena starts on 8: at most 8 bytes of fill not predicted. */
    private static final long RAM_SLACK = 8;
    /**
     * Code is estimated from kt_footprint.properties (the kernel library as linked for MCUNet, bytes per generated
     * line); the constants, descriptors and initial values are counted exactly. Models that call fewer kernels (no
     * depthwise convs: ResNet-8, 6.3 KB less code) link less, so 8 KiB (0.8 % of the 1 MB region) is the slack.
     */
    private static final long CODE_SLACK = 8192;

    record Run(int code, String out, String err) {
    }

    @ParameterizedTest(name = "{0} {1} {2} classes")
    @CsvSource({
        "tiny-training/mcunet-5fps.pkl, mcunet-5fps:49kb, 2",
        "tiny-training/mbv2-w0.35.pkl, mbv2-w0.35:99kb, 10",
        "mlperf-tiny/pretrainedResnet_quant.tflite, last-k:3, 10",
        "mlperf-tiny/vww_96_int8.tflite, bias-only:8, 2",
    })
    void predictsWhatTheLinkerSees(String model, String scheme, int classes, @TempDir Path dir) throws Exception {
        CBuild.requireTool("make");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("arm-none-eabi-size");
        Run r = compile(model, scheme, classes, dir, "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = JSON.readTree(r.out());
        long ram = j.get("device_ram_bytes").asLong(), flash = j.get("device_flash_bytes").asLong();
        long sum = 0;
        for (JsonNode n : j.get("device_ram")) {
            sum += n.asLong();
        }
        assertEquals(ram, sum, "the RAM breakdown adds up");
        // memory is counted one way: the planner's figures are the footprint's parts
        JsonNode parts = j.get("device_ram");
        assertEquals(j.get("trainable_sram_bytes").asLong(), parts.path("trainable parameters").asLong());
        assertEquals(j.get("shadow_bytes").asLong(), parts.path("float master copies").asLong(0));
        assertEquals(j.get("optimizer_state_bytes").asLong(), parts.path("optimizer state").asLong(0));
        assertEquals(DeviceFootprint.align8(j.get("arena_bytes").asLong()) + 4, parts.get("arena").asLong());
        CBuild.run(dir, List.of("make", "-s", "cortex-m7"), 600);
        String size = CBuild.run(dir, List.of("arm-none-eabi-size", "-A", "app.elf"), 60);
        long[] s = DeviceBench.sections(size);
        long elfRam = s[1] + s[2] + stackSection(size);
        long elfFlash = s[0] + s[1] - sampleBytes(dir);
        System.out.printf("%s %s: RAM predicted %d, ELF %d; flash predicted %d, ELF %d%n", model, scheme, ram, elfRam,
                flash, elfFlash);
        assertTrue(ram >= elfRam && ram - elfRam <= RAM_SLACK, "RAM predicted " + ram + ", ELF " + elfRam);
        assertTrue(Math.abs(flash - elfFlash) <= CODE_SLACK, "flash predicted " + flash + ", ELF " + elfFlash);
    }

    @Test
    void sectionsFollowTheDeclarations() {
        DeviceFootprint empty = DeviceFootprint.of("");
        String c = "static const int8_t kt_conv0_w[10] = {\n    1,2,3,4,5,6,7,8,9,10,\n};\n"
                + "static int32_t kt_conv0_b[3] = {\n    0,0,0,\n};\n" // all zero: .bss
                + "static float kt_param_7[2] = {\n    0x1.0p0f,-0x0.0p0f,\n};\n" // -0.0 is not zero: .data
                + "static int8_t kt_conv1_ws[5] = {\n    0,1,0,0,0,\n};\n" // 5 bytes, word-aligned: 8
                + "static const kt_slice kt_conv1_s = {5, NULL, NULL, kt_conv1_ws};\n"
                + "#define KT_ARENA_BYTES 100u\nstatic uint64_t kt_arena[(KT_ARENA_BYTES + 7u) / 8u];\n"
                + "static int kt_ready = 0;\nstatic void kt_init_state(void) {\n    kt_ready = 1;\n}\n";
        DeviceFootprint f = DeviceFootprint.of(c);
        assertEquals(8 + 8, f.dataBytes() - empty.dataBytes());
        assertEquals(12 + (104 + 4) + 4, f.bssBytes() - empty.bssBytes());
        assertEquals(10 + 16, f.rodataBytes() - empty.rodataBytes());
        assertEquals(108, f.ramParts().get("arena"));
    }

    @Test
    void overBudgetFailsAtCompileTimeWithTheSmallestBudget(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("p");
        Run r = compile("tiny-training/mcunet-5fps.pkl", "mcunet-5fps:148kb", 10, out);
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("SRAM of the board (262,144 bytes) exceeded by"), r.err());
        assertTrue(r.err().contains("kernel scratch") && r.err().contains("stack reserve 8,192"), r.err());
        assertFalse(Files.exists(out), "nothing is written, so no make can run");
        Matcher m = Pattern.compile("Smallest SRAM that fits: ([0-9,]+) bytes").matcher(r.err());
        assertTrue(m.find(), r.err());
        String smallest = m.group(1).replace(",", "");
        Run fits = compile("tiny-training/mcunet-5fps.pkl", "mcunet-5fps:148kb", 10, out, "--sram-budget", smallest);
        assertEquals(0, fits.code(), fits.err());
        Run below = compile("tiny-training/mcunet-5fps.pkl", "mcunet-5fps:148kb", 10, dir.resolve("q"),
                "--sram-budget", Long.toString(Long.parseLong(smallest) - 1));
        assertNotEquals(0, below.code());
        assertTrue(below.err().contains("exceeded by 1 bytes"), below.err());
    }

    private static long stackSection(String sizeA) {
        for (String line : sizeA.split("\n")) {
            String[] t = line.trim().split("\\s+");
            if (t.length >= 2 && t[0].equals(".stack")) {
                return Long.parseLong(t[1]);
            }
        }
        throw new AssertionError("no .stack section:\n" + sizeA);
    }

    /** The placeholder sample compile writes: one input image and its label, in .rodata. */
    private static long sampleBytes(Path dir) throws Exception {
        String h = Files.readString(dir.resolve("kt_model.h"));
        Matcher m = Pattern.compile("#define KT_INPUT_BYTES (\\d+)").matcher(h);
        assertTrue(m.find());
        return Long.parseLong(m.group(1)) + 4;
    }

    private static synchronized Run compile(String model, String scheme, int classes, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("compile",
                CGeneratorTest.SHARED.resolve("models").resolve(model).toString(), "--scheme", scheme, "--classes",
                Integer.toString(classes), "--target", "cortex-m7", "--out", out.toString()));
        args.addAll(Arrays.asList(more));
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            code = kilotrain.cli.Main.run(args.toArray(String[]::new));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }
}
