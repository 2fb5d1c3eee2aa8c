package kilotrain.data;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

import kilotrain.KtException;

/**
 * Decodes JPEG, PNG and BMP files with javax.imageio into uint8 RGB or gray.
 * <p>
 * Gray images keep one channel and their raw sample values: going through {@code getRGB} would push them through
 * Java's linear-gray colour space and change the values, whereas PIL and OpenCV report the stored samples.
 * Alpha is dropped (like PIL's {@code convert("RGB")}). A decoder warning (Java's JPEG reader reports a truncated
 * file as a warning and fills the rest with gray) is treated as a corrupt file, as PIL does by default.
 */
final class ImageDecoder {
    private ImageDecoder() {
    }

    static DecodedImage decode(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new KtException("cannot read image file " + file + ": " + e, e);
        }
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            String format = format(bytes);
            ImageReader reader = format == null ? null : READERS.get().get(format);
            boolean cached = reader != null;
            if (reader == null) {
                Iterator<ImageReader> readers = format == null ? ImageIO.getImageReaders(in)
                        : ImageIO.getImageReadersByFormatName(format);
                if (!readers.hasNext()) {
                    throw new KtException("cannot decode image file " + file + " (" + bytes.length
                            + " bytes): not a JPEG, PNG or BMP image");
                }
                reader = readers.next();
            }
            boolean ok = false;
            try {
                reader.setInput(in, true, true);
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((src, message) -> warnings.add(message));
                BufferedImage image = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new KtException("corrupt image file " + file + " (" + bytes.length + " bytes): "
                            + warnings.get(0));
                }
                DecodedImage out = toPixels(image);
                ok = true;
                return out;
            } finally {
                // a reader is reused by its thread only after a clean read; after an error it is thrown away
                if (ok && format != null) {
                    reader.reset();
                    if (!cached) {
                        READERS.get().put(format, reader);
                    }
                } else {
                    if (cached) {
                        READERS.get().remove(format);
                    }
                    reader.dispose();
                }
            }
        } catch (KtException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new KtException("cannot decode image file " + file + " (" + bytes.length + " bytes): " + e, e);
        }
    }

    /** Decoders kept per thread: looking one up through the ImageIO registry costs as much as decoding a small JPEG. */
    private static final ThreadLocal<Map<String, ImageReader>> READERS = ThreadLocal.withInitial(HashMap::new);

    /** The format by magic bytes, or null to let ImageIO probe. */
    static String format(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) {
            return "jpeg";
        }
        if (b.length >= 8 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return "png";
        }
        if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') {
            return "bmp";
        }
        return null;
    }

    static DecodedImage toPixels(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        if (cm.getNumColorComponents() == 1 && !(cm instanceof IndexColorModel)) {
            byte[] out = new byte[w * h];
            int bits = cm.getComponentSize(0);
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int v = row[x];
                    if (bits > 8) {
                        long max = (1L << bits) - 1;
                        v = (int) ((v * 255L + max / 2) / max);
                    } else if (bits < 8) {
                        v = v * 255 / ((1 << bits) - 1);
                    }
                    out[y * w + x] = (byte) v;
                }
            }
            return new DecodedImage(out, h, w, 1);
        }
        byte[] out = new byte[w * h * 3];
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR && raster.getDataBuffer() instanceof DataBufferByte db
                && db.getData().length == w * h * 3 && raster.getSampleModelTranslateX() == 0
                && raster.getSampleModelTranslateY() == 0) {
            byte[] bgr = db.getData();
            for (int i = 0; i < bgr.length; i += 3) {
                out[i] = bgr[i + 2];
                out[i + 1] = bgr[i + 1];
                out[i + 2] = bgr[i];
            }
            return new DecodedImage(out, h, w, 3);
        }
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            int o = y * w * 3;
            for (int x = 0; x < w; x++) {
                int argb = row[x];
                out[o++] = (byte) (argb >> 16);
                out[o++] = (byte) (argb >> 8);
                out[o++] = (byte) argb;
            }
        }
        return new DecodedImage(out, h, w, 3);
    }
}
