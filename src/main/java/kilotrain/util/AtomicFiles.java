package kilotrain.util;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import kilotrain.KtException;

/**
 * Every output kilotrain writes goes through here: written to a temporary file beside the target, then moved over
 * it, so an interrupted run never leaves a half-written file, and an input is never overwritten.
 */
public final class AtomicFiles {
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    public static void write(Path target, Writer writer) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp))) {
                writer.write(out);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new KtException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the move succeeded or the error above is the one to report
                }
            }
        }
    }

    public static void writeString(Path target, String text) {
        write(target, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** Refuses to write an output onto one of the user's inputs. */
    public static void checkNotInput(Path output, Path... inputs) {
        for (Path in : inputs) {
            if (in != null && Files.exists(in) && Files.exists(output)) {
                try {
                    if (Files.isSameFile(in, output)) {
                        throw new KtException("refusing to overwrite the input " + in + " with an output");
                    }
                } catch (IOException ignored) {
                    // unreadable paths are reported when they are opened
                }
            }
        }
    }
}
