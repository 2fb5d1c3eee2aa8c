package kilotrain.codegen;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The C kernels' fast paths (widened-patch dot products, SMLAD on Cortex-M7, depthwise with folded zero point)
 * against the portable reference path on random convolutions, and the backward kernels (output, bias, input and
 * weight gradients, VLDM/VSTM loops on Cortex-M7), the float residual add and the stochastic int8 update bit for bit
 * against plain formulas in the documented order, built with the host gcc and for the emulated board.
 */
class CKernelsTest {
    static void copy(Path dir) throws Exception {
        for (String r : new String[] {"kt_kernels.h", "kt_kernels.c", "kt_rows.h", "kt_rows.c", "kt_kernel_test.c", "kt_selftest.h",
                "kt_print.h", "kt_cm7.h", "kt_cm7.ld", "kt_cm7_startup.c", "Makefile"}) {
            Files.writeString(dir.resolve(r), CGenerator.resource(r));
        }
    }

    @Test
    void fastPathsMatchReferenceOnHost(@TempDir Path dir) throws Exception {
        CBuild.requireTool("gcc");
        CBuild.requireTool("make");
        copy(dir);
        String out = CBuild.run(dir, List.of("make", "-s", "kernel-test"), 300);
        assertTrue(out.contains("kernel-test ok "), out);
    }

    @Test
    void fastPathsMatchReferenceOnCortexM7(@TempDir Path dir) throws Exception {
        CBuild.requireTool("make");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        copy(dir);
        String out = CBuild.run(dir, List.of("make", "-s", "kernel-test-qemu"), 300);
        assertTrue(out.contains("kernel-test ok "), out);
    }
}
