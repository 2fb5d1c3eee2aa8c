package kilotrain.device;

import java.util.List;
import java.util.Locale;
import kilotrain.KtException;

/**
 * A board the generated step is built for: its core and compiler flags, the memory map the linker script places the
 * program in (verified by running on QEMU, see docs/device-library.md), the budgets the program must fit and the QEMU
 * machine that runs it (null: a real board only, built and linked but not run here).
 *
 * @param vectorOrigin where the core fetches its vector table after reset, or -1 when it is the start of flash
 */
public record Board(String name, String core, String cpuFlags, String qemuMachine, long systickHz,
        long vectorOrigin, long flashOrigin, long flashBytes, long ramOrigin, long ramBytes, String memoryMap) {

    /**
     * Emulated instructions per SysTick tick under QEMU's {@code -icount shift=0} (one instruction per virtual ns,
     * SysTick at the board's system clock): 40 on the MPS2 boards (25 MHz), 50 on the AN505 (20 MHz), 31.25 on the
     * AN547 (32 MHz). Ticks of different boards compare through this.
     */
    public double instructionsPerTick() {
        return 1e9 / systickHz;
    }

    public static final long KIB = 1024;

    /** The brief's microcontroller budget: 1 MB of flash, 256 KB of SRAM (where the board has more). */
    public static final List<Board> ALL = List.of(
            new Board("mps2-an500", "cortex-m7", "-mcpu=cortex-m7 -mfpu=fpv5-sp-d16", "mps2-an500", 25_000_000, -1, 0x00000000L,
                    1024 * KIB, 0x20000000L, 256 * KIB,
                    "ZBT SSRAM1 at 0x00000000 as flash (4 MB), SSRAM2/3 at 0x20000000 as SRAM (4 MB)"),
            new Board("mps2-an386", "cortex-m4", "-mcpu=cortex-m4 -mfpu=fpv4-sp-d16", "mps2-an386", 25_000_000, -1, 0x00000000L,
                    1024 * KIB, 0x20000000L, 256 * KIB,
                    "ZBT SSRAM1 at 0x00000000 as flash (4 MB), SSRAM2/3 at 0x20000000 as SRAM (4 MB)"),
            new Board("mps2-an505", "cortex-m33", "-mcpu=cortex-m33 -mfpu=fpv5-sp-d16", "mps2-an505", 20_000_000, -1,
                    0x10000000L, 1024 * KIB, 0x38000000L, 256 * KIB,
                    "secure world: ZBT SSRAM1 at its secure alias 0x10000000 as flash (4 MB; reset vector there), "
                            + "SSRAM2 at its secure alias 0x38000000 as SRAM"),
            new Board("mps3-an547", "cortex-m55", "-mcpu=cortex-m55", "mps3-an547", 32_000_000, 0x10000000L, 0x11000000L,
                    1024 * KIB, 0x30000000L, 256 * KIB,
                    "secure world: vector table in ITCM at 0x10000000 (512 KB, too small for 1 MB of flash), code and "
                            + "constants in the 2 MB SRAM at 0x11000000, data in DTCM at 0x30000000 (512 KB)"),
            new Board("stm32f746g-disco", "cortex-m7", "-mcpu=cortex-m7 -mfpu=fpv5-sp-d16", null, 216_000_000, -1,
                    0x08000000L,
                    1024 * KIB, 0x20000000L, 320 * KIB,
                    "STM32F746NG: 1 MB flash at 0x08000000 (AXI), 320 KB SRAM at 0x20000000 (DTCM 64 KB + SRAM1 "
                            + "240 KB + SRAM2 16 KB, contiguous); no QEMU model: built and linked only"));

    public static final Board DEFAULT = ALL.get(0);

    public static Board named(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (Board b : ALL) {
            if (b.name.equals(n) || b.core.equals(n) && b.qemuMachine != null) {
                return b;
            }
        }
        throw new KtException("--board: unknown board '" + name + "'; known: " + String.join(", ", names()));
    }

    public static List<String> names() {
        return ALL.stream().map(Board::name).toList();
    }

    /** The linker script (kt_board.ld): an over-budget program fails to link. */
    public String linkerScript() {
        StringBuilder s = new StringBuilder();
        s.append("/* kilotrain: ").append(name).append(" (").append(core).append("). ").append(memoryMap)
                .append(".\n * Budget: ").append(flashBytes / KIB).append(" KB of flash, ").append(ramBytes / KIB)
                .append(" KB of SRAM for everything at run time (arena, trained parameters, optimizer state, stack).")
                .append(" An over-budget program fails to link. */\nENTRY(Reset_Handler)\n\nMEMORY\n{\n");
        if (vectorOrigin >= 0) {
            s.append(String.format("    VECTORS (rx) : ORIGIN = 0x%08X, LENGTH = 1K%n", vectorOrigin));
        }
        s.append(String.format("    FLASH (rx)  : ORIGIN = 0x%08X, LENGTH = %dK%n", flashOrigin, flashBytes / KIB));
        s.append(String.format("    RAM   (rwx) : ORIGIN = 0x%08X, LENGTH = %dK%n", ramOrigin, ramBytes / KIB));
        s.append("}\n\nKT_STACK_BYTES = DEFINED(KT_STACK_BYTES) ? KT_STACK_BYTES : 8K;\n\nSECTIONS\n{\n");
        s.append("    .isr_vector : { KEEP(*(.isr_vector)) } > ").append(vectorOrigin >= 0 ? "VECTORS" : "FLASH")
                .append('\n');
        s.append("""
                    .text : { *(.text*) *(.glue_7) *(.glue_7t) } > FLASH
                    .rodata : { *(.rodata*) } > FLASH
                    .ARM.exidx : { *(.ARM.exidx*) } > FLASH
                    _sidata = LOADADDR(.data);
                    .data : { _sdata = .; *(.data*) . = ALIGN(8); _edata = .; } > RAM AT > FLASH
                    .bss (NOLOAD) : { _sbss = .; *(.bss*) *(COMMON) . = ALIGN(8); _ebss = .; } > RAM
                    .stack (NOLOAD) : { . = ALIGN(8); _sstack = .; . = . + KT_STACK_BYTES; _estack = .; } > RAM
                    /DISCARD/ : { *(.ARM.attributes) }
                }
                """);
        return s.toString();
    }

    /** Writes kt_board.ld and kt_board.mk into a generated project: its Makefile then builds for this board. */
    public void write(java.nio.file.Path dir) {
        kilotrain.util.AtomicFiles.writeString(dir.resolve("kt_board.ld"), linkerScript());
        kilotrain.util.AtomicFiles.writeString(dir.resolve("kt_board.mk"), makeFragment());
    }

    /** Make variables (kt_board.mk, included by the Makefile) that select this board. */
    public String makeFragment() {
        return "# kilotrain board " + name + " (" + core + ")\nBOARD = " + name + "\nCPU_FLAGS = " + cpuFlags
                + "\nLDSCRIPT = kt_board.ld\nQEMU_MACHINE = " + (qemuMachine == null ? "none" : qemuMachine) + "\n";
    }
}
