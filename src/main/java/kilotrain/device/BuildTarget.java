package kilotrain.device;

import java.nio.file.Path;
import kilotrain.KtException;
import kilotrain.codegen.CGenerator;
import kilotrain.compiler.memory.Budget;
import kilotrain.compiler.memory.DeviceProgram;
import kilotrain.program.TrainState;

/**
 * What {@code compile --target} builds a device program for: the host (gcc), a board's core (the demo program for
 * the board, checked against what its linker will count) or the firmware library for a board. It checks the budgets
 * the way the target counts memory and writes the C project, so the command only parses options.
 *
 * @param name  host, lib or a core (cortex-m7, ...)
 * @param board the board of a core or lib target; null for the host
 */
public record BuildTarget(String name, Board board) {

    /** {@code --target} and {@code --board} (null when not given), checked against each other. */
    public static BuildTarget of(String target, String boardName) {
        if (target.equals("host")) {
            if (boardName != null) {
                throw new KtException("--board needs --target lib or the board's core (e.g. --target "
                        + Board.named(boardName).core() + ")");
            }
            return new BuildTarget(target, null);
        }
        boolean lib = target.equals("lib");
        Board b = boardName != null ? Board.named(boardName) : lib ? Board.DEFAULT : Board.named(target);
        if (!lib && !b.core().equals(target)) {
            throw new KtException("--target " + target + " --board " + b.name() + ": the board's core is " + b.core());
        }
        return new BuildTarget(target, b);
    }

    public boolean library() {
        return name.equals("lib");
    }

    /** A core's demo program (not the host, not the library). */
    public boolean program() {
        return board != null && !library();
    }

    /** The SRAM budget: the one asked (-1: none), or the board's linker limit when a project is written. */
    public long sramBudget(long asked, boolean writing) {
        return asked >= 0 || !writing || board == null ? asked : board.ramBytes();
    }

    /** The flash budget: the one asked (-1: none), or the board's linker limit when a project is written. */
    public long flashBudget(long asked, boolean writing) {
        return asked >= 0 || !writing || board == null ? asked : board.flashBytes();
    }

    /**
     * Fails unless {@code dp} fits the budgets (negative: not checked) as this target counts memory: a core's program
     * and the library by what the linker will see (counted from the generated C: kernel scratch, runtime state and,
     * for a program, the stack reserve and, when {@code writing}, the embedded sample), the host by the planned
     * figures. Returns the footprint counted for a board, null for the host.
     */
    public DeviceFootprint check(DeviceProgram dp, TrainState state, long sram, long flash, boolean writing) {
        if (program()) {
            DeviceFootprint f = sameCount(DeviceFootprint.of(dp.compiled, dp.step(), dp.plan(), state, dp.lr), dp);
            f.check(sram, flash, writing ? (long) dp.compiled.input.elements + 4 : 0);
            return f;
        }
        if (library()) {
            DeviceFootprint f = sameCount(DeviceFootprint.library(CGenerator.modelSource(dp.compiled, dp.step(),
                    dp.plan(), state, dp.lr)), dp);
            f.check(sram, flash, 0);
            return f;
        }
        if (sram >= 0) {
            Budget.checkSram(dp, dp.best(), sram);
        }
        if (flash >= 0) {
            Budget.checkFlash(dp, flash);
        }
        return null;
    }

    /**
     * Memory is counted one way: the parts of the footprint (counted from the generated C, checked against the ELF by
     * arm-none-eabi-size in DeviceFootprintTest) that the planner also counts must be the planner's figures: the
     * trained parameters, the float master copies, the optimizer state, and the arena (declared as 8-byte words, so
     * rounded up to 8, plus the counter's 4-byte alignment allowance for 8-byte objects). Anything else the footprint
     * adds (kernel scratch, rounding states, runtime, stack) is what the device needs beyond the plan.
     */
    static DeviceFootprint sameCount(DeviceFootprint f, DeviceProgram dp) {
        long[][] pairs = {
            {f.ramParts().getOrDefault("trainable parameters", 0L), dp.trainableBytes},
            {f.ramParts().getOrDefault("float master copies", 0L), dp.shadowBytes},
            {f.ramParts().getOrDefault("optimizer state", 0L), dp.optimizerBytes},
            {f.ramParts().getOrDefault("arena", 0L), DeviceFootprint.align8(dp.arenaBytes()) + 4},
        };
        String[] names = {"trained parameters", "float master copies", "optimizer state", "arena"};
        for (int i = 0; i < pairs.length; i++) {
            if (pairs[i][0] != pairs[i][1]) {
                throw new IllegalStateException("memory counted two ways: the generated C holds " + pairs[i][0]
                        + " bytes of " + names[i] + ", the lowering pipeline planned " + pairs[i][1]);
            }
        }
        return f;
    }

    /** Writes the C project of {@code dp}, starting from {@code state}'s parameters, into {@code out}. */
    public void write(DeviceProgram dp, TrainState state, Path out) {
        if (library()) {
            LibraryProject.write(dp.compiled, dp.step(), dp.plan(), state, dp.lr, board, out);
            return;
        }
        CGenerator.generate(dp.compiled, dp.step(), dp.plan(), state, dp.lr, out);
        if (board != null) {
            board.write(out);
        }
    }
}
