package kilotrain.importer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import kilotrain.KtException;
import kilotrain.importer.pkl.PklImporter;
import kilotrain.importer.tflite.TfliteImporter;
import kilotrain.ir.Graph;

/** Opens a model of either supported family by its content, not its file name. */
public final class ModelLoader {
    private ModelLoader() {
    }

    enum Format { TFLITE, PYTORCH_ZIP, UNKNOWN }

    public static Graph load(Path file) {
        return load(file, 0);
    }

    /**
     * Loads a model for square inputs of {@code imageSize} pixels (0: its own size). The paper's fully convolutional
     * models can be rebuilt for any size; a TFLite model's input size is fixed in the file.
     */
    public static Graph load(Path file, int imageSize) {
        byte[] head = head(file);
        return switch (sniff(head)) {
            case TFLITE -> {
                Graph g = TfliteImporter.load(file);
                if (imageSize != 0 && (g.input.rank() != 4 || g.input.height() != imageSize
                        || g.input.width() != imageSize)) {
                    throw new KtException(file + ": a TFLite model's input size is fixed ("
                            + java.util.Arrays.toString(g.input.shape) + "); --image-size " + imageSize
                            + " cannot change it");
                }
                yield g;
            }
            case PYTORCH_ZIP -> PklImporter.load(file, imageSize);
            case UNKNOWN -> throw new KtException(file + ": not a model kilotrain knows: expected a TFLite "
                    + "flatbuffer (\"TFL3\" at byte 4) or a tiny-training PyTorch zip archive (starting \"PK\"), found "
                    + describe(head));
        };
    }

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
        StringBuilder s = new StringBuilder("a file starting");
        for (byte x : b) {
            s.append(String.format(" %02x", x & 0xff));
        }
        return s.toString();
    }

    /** The first 8 bytes: enough to tell the formats apart without reading a large file twice. */
    private static byte[] head(Path file) {
        if (Files.isDirectory(file)) {
            throw new KtException(file + ": is a directory, not a model file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(8);
        } catch (NoSuchFileException e) {
            throw new KtException(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new KtException(file + ": permission denied");
        } catch (IOException e) {
            throw new KtException(file + ": cannot read: " + e.getMessage(), e);
        }
    }
}
