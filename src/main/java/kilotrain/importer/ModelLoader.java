package kilotrain.importer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import kilotrain.KtException;
import kilotrain.importer.tflite.TfliteImporter;
import kilotrain.ir.Graph;

/** Opens a model of either supported family by its content, not its file name. */
public final class ModelLoader {
    /** Larger than any model a microcontroller could run; beyond it the file is not a model for us. */
    static final long MAX_FILE_BYTES = 512L << 20;

    private ModelLoader() {
    }

    public static Graph load(Path file) {
        return parse(file.toString(), read(file));
    }

    /** Imports a model already in memory; {@code name} only names it in messages. */
    public static Graph parse(String name, byte[] bytes) {
        return switch (sniff(bytes)) {
            case TFLITE -> TfliteImporter.parse(name, bytes);
            case PYTORCH_ZIP -> throw new KtException(name + ": PyTorch zip archives (tiny-training .pkl models) "
                    + "are not supported by this build");
            case UNKNOWN -> throw new KtException(name + ": not a model kilotrain knows: expected a TFLite flatbuffer "
                    + "(\"TFL3\" at byte 4) or a tiny-training PyTorch zip archive (starting \"PK\"), found "
                    + describe(bytes));
        };
    }

    enum Format { TFLITE, PYTORCH_ZIP, UNKNOWN }

    static Format sniff(byte[] b) {
        if (b.length >= 8 && b[4] == 'T' && b[5] == 'F' && b[6] == 'L' && b[7] == '3') {
            return Format.TFLITE;
        }
        if (b.length >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4) {
            return Format.PYTORCH_ZIP;
        }
        return Format.UNKNOWN;
    }

    private static String describe(byte[] b) {
        if (b.length == 0) {
            return "an empty file";
        }
        StringBuilder s = new StringBuilder(b.length + " bytes starting");
        for (int i = 0; i < Math.min(8, b.length); i++) {
            s.append(String.format(" %02x", b[i] & 0xff));
        }
        return s.toString();
    }

    static byte[] read(Path file) {
        try {
            if (Files.isDirectory(file)) {
                throw new KtException(file + ": is a directory, not a model file");
            }
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new KtException(file + ": " + size + " bytes is larger than any model kilotrain handles ("
                        + MAX_FILE_BYTES + " bytes)");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new KtException(file + ": no such file");
        } catch (IOException e) {
            throw new KtException(file + ": cannot read: " + e.getMessage(), e);
        }
    }
}
