package kilotrain.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import kilotrain.KtException;

/**
 * Single input files as `predict` takes them: an image (decoded and put through the test-time transform and the
 * input quantization, exactly as evaluation does), a {@code .npy} file holding one sample (converted as
 * {@link NumericDatasets} says; a uint8 one is an image), or a raw tensor file holding exactly the input tensor's bytes in
 * the model's native layout (NCHW for the paper's models, NHWC for TFLite), converted to kilotrain's NHWC.
 */
public final class InputFiles {
    private InputFiles() {
    }

    public static boolean isRaw(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".int8") || n.endsWith(".bin");
    }

    /** The model input (NHWC int8) for one file. */
    public static byte[] load(Path file, InputSpec spec, TestTransform transform, boolean rawIsNchw) {
        if (!Files.isRegularFile(file)) {
            throw new KtException("input file " + file + " does not exist or is not a file");
        }
        if (isRaw(file)) {
            byte[] raw;
            try {
                raw = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new KtException("cannot read input file " + file + ": " + e.getMessage(), e);
            }
            if (raw.length != spec.bytes()) {
                throw new KtException("raw input " + file + " has " + raw.length + " bytes; the model input "
                        + (rawIsNchw ? "[1, " + spec.channels + ", " + spec.height + ", " + spec.width + "]"
                                : spec.shapeText())
                        + " needs exactly " + spec.bytes());
            }
            return rawIsNchw ? nchwToNhwc(raw, spec.channels, spec.height, spec.width) : raw;
        }
        DecodedImage img;
        if (FolderDatasets.extension(file).equals("npy")) {
            Object sample = NumericDatasets.sampleFile(file,
                    LoadOptions.defaults().withInput(spec.shape(), spec.quant));
            if (sample instanceof byte[] values) {
                return values;
            }
            img = (DecodedImage) sample;
        } else {
            img = ImageDecoder.decode(file);
        }
        Dataset one = new Dataset(file.toString(), Dataset.Kind.IMAGE, List.of("input"), new byte[][] {img.pixels()},
                new int[] {img.height()}, new int[] {img.width()}, new int[] {img.channels()}, new int[] {0},
                i -> file.toString(), List.of());
        SampleSource src = new SampleSource(null, one, spec, TrainAugment.none(), transform, 0);
        byte[] out = new byte[spec.bytes()];
        src.fillTest(0, out);
        return out;
    }

    public static byte[] nchwToNhwc(byte[] src, int c, int h, int w) {
        byte[] dst = new byte[src.length];
        for (int ch = 0; ch < c; ch++) {
            for (int p = 0; p < h * w; p++) {
                dst[p * c + ch] = src[ch * h * w + p];
            }
        }
        return dst;
    }

    public static byte[] nhwcToNchw(byte[] src, int c, int h, int w) {
        byte[] dst = new byte[src.length];
        for (int ch = 0; ch < c; ch++) {
            for (int p = 0; p < h * w; p++) {
                dst[ch * h * w + p] = src[p * c + ch];
            }
        }
        return dst;
    }
}
