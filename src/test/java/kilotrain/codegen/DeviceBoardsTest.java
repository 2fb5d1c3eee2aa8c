package kilotrain.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import kilotrain.cli.Main;
import kilotrain.device.Board;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The board table (issue 23): on each further QEMU board (Cortex-M4 mps2-an386, Cortex-M33 mps2-an505, Cortex-M55
 * mps3-an547; the Cortex-M7 mps2-an500 is CDeviceTest's and CDeviceMatrixTest's) the generated step of ResNet-8
 * trains bit for bit like the Java twin, and the kernels' fast paths (on the M55 the Helium ones) match the
 * reference path on that core; the
 * firmware library builds with -Wall -Wextra -Werror for every core and a test program links against it (and runs
 * against the host build); the STM32F746G-DISCO demo project links inside its 1 MB / 320 KB.
 */
class DeviceBoardsTest {
    static final Path RESNET = ImportParamsTest.RESNET;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mps2-an386", "mps2-an505", "mps3-an547"})
    void trainsBitExactOnEachCore(String board, @TempDir Path dir) throws Exception {
        CBuild.requireTool("make");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        String out = ImportParamsTest.stdout(() -> Main.run("device-bench", RESNET.toString(), "--scheme", "last-k:2",
                "--classes", "10", "--steps", "2", "--samples", "2", "--board", board, "--data",
                CGeneratorTest.SHARED.resolve("data/cifar10").toString(), "--out", dir.toString(), "--json"));
        JsonNode j = new ObjectMapper().readTree(out);
        assertTrue(j.get("bit_exact").asBoolean(), out);
        assertEquals(board, j.get("board").asText());
        Board b = Board.named(board);
        assertTrue(Files.readString(dir.resolve("kt_board.mk")).contains(b.cpuFlags()));
        System.out.printf("%s (%s): ResNet-8 last-k:2 %d ticks/step = %d instructions, bit-exact%n", board, b.core(),
                j.get("ticks_per_step").asLong(), j.get("instructions_per_step").asLong());
        // the same project's kernel self-test on that core: DSP fast paths against the portable reference
        for (String f : List.of("kt_kernel_test.c", "kt_selftest.h")) {
            Files.writeString(dir.resolve(f), CGenerator.resource(f));
        }
        String k = CBuild.run(dir, List.of("make", "-s", "kernel-test-qemu"), 600);
        assertTrue(k.contains("kernel-test ok "), k);
        // the Cortex-M55 runs the Helium paths (kt_conv_mve.c) in both programs; the other cores have no MVE code
        String syms = CBuild.run(dir, List.of("arm-none-eabi-nm", "app.elf", "kernel-test.elf"), 60);
        assertEquals(b.core().equals("cortex-m55"), syms.contains("kt_conv_fwd_mve"), board + ": MVE kernels linked");
    }

    @Test
    void libraryBuildsForEveryCoreAndDiscoProjectLinks(@TempDir Path dir) throws Exception {
        CBuild.requireTool("gcc");
        CBuild.requireTool("make");
        CBuild.requireTool("arm-none-eabi-gcc");
        Path lib = dir.resolve("lib");
        String said = ImportParamsTest.stdout(() -> Main.run("compile", RESNET.toString(), "--scheme", "last-k:2",
                "--classes", "10", "--target", "lib", "--board", "mps2-an500", "--out", lib.toString()));
        assertTrue(said.contains("library"), said);
        for (String f : List.of("kt_device_main.c", "kt_cm7_startup.c", "kt_host_main.c", "kt_samples.c")) {
            assertTrue(!Files.exists(lib.resolve(f)), f + " is not part of a library");
        }
        String readme = Files.readString(lib.resolve("README.md"));
        assertTrue(readme.contains("kt_learn") && readme.contains("Memory planned at compile time"), readme);
        assertTrue(Files.readString(lib.resolve("CMakeLists.txt")).contains("-mcpu=cortex-m7"));
        for (String board : List.of("mps2-an500", "mps2-an386", "mps2-an505", "mps3-an547")) {
            Board b = Board.named(board);
            Files.writeString(lib.resolve("kt_board.mk"), b.makeFragment());
            CBuild.run(lib, List.of("make", "-s", "clean"), 60);
            String out = CBuild.run(lib, List.of("make", "-s", "check"), 600);
            assertTrue(out.contains("kt_lib_test.elf"), out);
            String attrs = CBuild.run(lib, List.of("arm-none-eabi-readelf", "-A", "libkilotrain.a"), 60);
            String arch = switch (b.core()) {
                case "cortex-m4", "cortex-m7" -> "7E-M";
                case "cortex-m33" -> "8-M.MAIN";
                default -> "cortex-m55";
            };
            assertTrue(attrs.contains("Tag_CPU_name: \"" + arch + "\"") || attrs.contains("Tag_CPU_arch: v" + arch),
                    board + ":\n" + CBuild.tail(attrs));
        }
        // the paper's board: the demo project for its memory map links within 1 MB of flash and 320 KB of SRAM
        Path disco = dir.resolve("disco");
        ImportParamsTest.stdout(() -> Main.run("compile", RESNET.toString(), "--scheme", "last-k:2", "--classes", "10",
                "--target", "cortex-m7", "--board", "stm32f746g-disco", "--out", disco.toString()));
        assertTrue(Files.readString(disco.resolve("kt_board.ld")).contains("ORIGIN = 0x08000000, LENGTH = 1024K"));
        String built = CBuild.run(disco, List.of("make", "-s", "device"), 600);
        assertTrue(built.contains("app.elf"), built);
    }
}
