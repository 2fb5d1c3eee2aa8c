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

    /**
     * Checks, without creating anything, that {@code dir} is or can become a folder kilotrain can write into: it is
     * not a file, no part of its path is a file, and its nearest existing folder accepts a new file.
     *
     * @param what how the user named it, e.g. the option {@code --out}
     */
    public static void checkWritableFolder(Path dir, String what) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new KtException(what + " " + dir + " is a file; give a folder (it is created when missing)");
        }
        probe(abs, dir, what);
    }

    /** Checks, without creating anything, that the file {@code file} can be written (it need not exist yet). */
    public static void checkWritableFile(Path file, String what) {
        Path abs = file.toAbsolutePath().normalize();
        if (Files.isDirectory(abs)) {
            throw new KtException(what + " " + file + " is a folder; give a file name");
        }
        Path parent = abs.getParent();
        if (parent != null) {
            probe(parent, file, what);
        }
    }

    /** Walks up to the nearest existing ancestor of {@code abs} and tries to create (and removes) a file in it. */
    private static void probe(Path abs, Path asGiven, String what) {
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return;
        }
        if (!Files.isDirectory(existing)) {
            throw new KtException(what + " " + asGiven + " cannot be created: " + existing + " is a file");
        }
        try {
            Path tmp = Files.createTempFile(existing, ".kilotrain-write-check", ".tmp");
            Files.delete(tmp);
        } catch (IOException e) {
            throw new KtException(what + " " + asGiven + " cannot be written: " + existing + " does not accept new "
                    + "files (" + e.getClass().getSimpleName() + ")", e);
        }
    }
}
