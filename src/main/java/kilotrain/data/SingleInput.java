package kilotrain.data;

import java.nio.file.Path;
import java.util.List;

/**
 * One file turned into a model input, through exactly the test-time path of {@link SampleSource#fillTest}: an image
 * (JPEG, PNG, BMP) or a raw int8 tensor file ({@code .int8}, {@code .bin}) of exactly the input's size.
 */
public final class SingleInput {
    private SingleInput() {
    }

    public static byte[] load(Path file, InputSpec spec, TestTransform transform, Interpolation interpolation) {
        String ext = FolderDatasets.extension(file);
        Dataset one;
        if (ext.equals("int8") || ext.equals("bin")) {
            byte[] data = FolderDatasets.readRaw(file, spec.bytes());
            one = new Dataset(file.toString(), Dataset.Kind.RAW, List.of("?"), new byte[][] {data}, new int[] {1},
                    new int[] {1}, new int[] {1}, new int[] {0}, i -> file.toString(), List.of());
        } else {
            DecodedImage img = ImageDecoder.decode(file);
            one = new Dataset(file.toString(), Dataset.Kind.IMAGE, List.of("?"), new byte[][] {img.pixels()},
                    new int[] {img.height()}, new int[] {img.width()}, new int[] {img.channels()}, new int[] {0},
                    i -> file.toString(), List.of());
        }
        SampleSource source = new SampleSource(null, one, spec, TrainAugment.none(), transform, 0, interpolation);
        byte[] out = new byte[spec.bytes()];
        source.fillTest(0, out);
        return out;
    }

    public static byte[] load(Path file, InputSpec spec) {
        return load(file, spec, TestTransform.resize(), Interpolation.DEFAULT);
    }
}
