package kilotrain.data;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

import kilotrain.KtException;

/** Whole-file reads with transparent gzip (recognised by its magic bytes, not by the file name). */
final class BinaryFiles {
    private BinaryFiles() {
    }

    static byte[] read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new KtException("cannot read " + file + ": " + e, e);
        }
        if (bytes.length >= 2 && (bytes[0] & 0xFF) == 0x1F && (bytes[1] & 0xFF) == 0x8B) {
            try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes), 1 << 16)) {
                return in.readAllBytes();
            } catch (EOFException e) {
                throw new KtException("gzip file " + file + " is truncated (" + bytes.length
                        + " compressed bytes): " + e.getMessage(), e);
            } catch (ZipException e) {
                throw new KtException("gzip file " + file + " is corrupt: " + e.getMessage(), e);
            } catch (IOException e) {
                throw new KtException("cannot decompress " + file + ": " + e, e);
            }
        }
        return bytes;
    }

    static int bigEndianInt(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }
}
