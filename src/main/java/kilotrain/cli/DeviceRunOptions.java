package kilotrain.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import kilotrain.KtException;
import kilotrain.device.Board;
import kilotrain.program.TrainState;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What a run on an emulated board needs besides the step's model: the board, the dataset its samples come from,
 * the learning rate and update rules, the lowering switches, the project folder and the time allowed (device-bench,
 * device-demo).
 */
final class DeviceRunOptions {
    @Option(names = "--board", defaultValue = "mps2-an500", description = "Board (QEMU machine): mps2-an500 "
            + "(Cortex-M7), mps2-an386 (Cortex-M4), mps2-an505 (Cortex-M33), mps3-an547 (Cortex-M55); default "
            + "${DEFAULT-VALUE}.")
    String board;

    @Option(names = "--data", description = "Dataset folder whose images are embedded (default: ../shared/data/cifar10).")
    Path data;

    @Option(names = "--lr", defaultValue = "0.025", description = "Learning rate (default ${DEFAULT-VALUE}).")
    float lr;

    @Mixin
    OptimizerOption optimizer;

    @Mixin
    StepOptions step;

    @Mixin
    LoweringOptions lowering;

    @Option(names = "--out", description = "Keep the C project and the device's log here (default: a temporary "
            + "folder).")
    Path out;

    @Option(names = "--timeout", defaultValue = "1800", description = "Seconds allowed for building and for each "
            + "QEMU run.")
    long timeout;

    /** Checks every value before any work; the board. */
    Board check() {
        Board b = Board.named(board);
        Checks.positive("--lr", lr);
        Checks.atLeast("--timeout", timeout, 1);
        Checks.outFolder("--out", out);
        return b;
    }

    TrainState.Options options() {
        return step.rules.options(true, optimizer.momentum(), 0);
    }

    Path dataDir() {
        return data != null ? data : Path.of(System.getProperty("user.dir")).resolve("../shared/data/cifar10")
                .normalize();
    }

    /** --out, or a new temporary folder named after {@code prefix}; created. */
    Path projectDir(String prefix) {
        try {
            Path dir = out != null ? out : Files.createTempDirectory(prefix);
            Files.createDirectories(dir);
            return dir;
        } catch (IOException e) {
            throw new KtException("cannot create the project folder: " + e.getMessage());
        }
    }
}
