package kilotrain.cli;

import java.nio.file.Path;
import kilotrain.KtException;
import kilotrain.util.AtomicFiles;

/**
 * Up-front checks of option values, so that a mistyped number or an output path that cannot be written fails at once
 * with the option's name, not after loading a dataset or training an epoch.
 */
final class Checks {
    private Checks() {
    }

    /** {@code value >= min}. */
    static void atLeast(String option, long value, long min) {
        if (value < min) {
            throw new KtException(option + " must be at least " + min + ", got " + value);
        }
    }

    /** A count that may be 0 (0 usually meaning "all" or "off"). */
    static void notNegative(String option, long value) {
        atLeast(option, value, 0);
    }

    /** A finite value above 0 (learning rates, seconds). */
    static void positive(String option, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new KtException(option + " must be a positive finite number, got " + value);
        }
    }

    /** An optional thread count: absent, or at least 1. */
    static void threads(Integer threads) {
        if (threads != null) {
            atLeast("--threads", threads, 1);
        }
    }

    /** Classes of a new softmax head. */
    static void classes(String option, long classes) {
        if (classes < 2) {
            throw new KtException(option + ": a head needs at least 2 classes, got " + classes);
        }
    }

    /** A folder the command will write into (it may not exist yet). */
    static void outFolder(String option, Path dir) {
        if (dir != null) {
            AtomicFiles.checkWritableFolder(dir, option);
        }
    }

    /** A file the command will write (it may not exist yet). */
    static void outFile(String option, Path file) {
        if (file != null) {
            AtomicFiles.checkWritableFile(file, option);
        }
    }

    /** Warm-up plus training epochs: neither negative, at least one in all. */
    static void epochs(int epochs, int warmup) {
        notNegative("--epochs", epochs);
        notNegative("--warmup-epochs", warmup);
        if (epochs + warmup < 1) {
            throw new KtException("--epochs " + epochs + " with --warmup-epochs " + warmup
                    + " trains nothing: give at least one epoch");
        }
    }
}
