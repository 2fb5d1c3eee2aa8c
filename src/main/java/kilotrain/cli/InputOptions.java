package kilotrain.cli;

import kilotrain.data.InputSpec;
import kilotrain.data.TestTransform;
import kilotrain.ir.Tensor;
import picocli.CommandLine.Option;

/** How images become the model's int8 input: shared by predict, eval and train. */
final class InputOptions implements kilotrain.model.Models.InputConvention {
    @Option(names = "--mean", split = ",", description = "Per-channel mean on pixel/255 (with --std); default: q = pixel - 128.")
    float[] mean;

    @Option(names = "--std", split = ",", description = "Per-channel std on pixel/255 (with --mean).")
    float[] std;

    @Option(names = "--raw-pixels", description = "Feed each pixel byte as int8 (q = (int8) pixel), as TFLite Micro's person-detection example does.")
    boolean rawPixels;

    @Option(names = "--pixel-offset", description = "q = pixel - OFFSET rounded half to even (clamped to int8); 127.5 "
            + "is the reference implementation's input for the paper's models (default: q = pixel - 128, or what a "
            + "fine-tuned .ktm was trained on).")
    Double pixelOffset;

    @Option(names = "--reference-pixels", description = "The reference implementation's input for the paper's models, "
            + "bit for bit: float32 (pixel/255 - 0.5) / (1/255), rounded half to even (default: q = pixel - 128).")
    boolean referencePixels;

    @Option(names = "--resize-shorter",
            description = "Test-time transform: resize the shorter side to R then centre-crop (0: plain resize; default 0, "
                    + "or what a fine-tuned .ktm was trained with).")
    Integer resizeShorter;

    /** The test-time resize in effect (0: plain resize). */
    @Override
    public int resizeShorter() {
        return resizeShorter == null ? 0 : resizeShorter;
    }

    @Override
    public boolean pixelRuleGiven() {
        return mean != null || std != null || rawPixels || pixelOffset != null || referencePixels;
    }

    @Override
    public boolean resizeGiven() {
        return resizeShorter != null;
    }

    @Override
    public void useResizeShorter(int r) {
        resizeShorter = r;
    }

    public InputSpec spec(Tensor input) {
        if ((mean == null) != (std == null)) {
            throw new kilotrain.KtException("--mean and --std go together");
        }
        if (rawPixels && mean != null) {
            throw new kilotrain.KtException("--raw-pixels and --mean/--std exclude each other");
        }
        if (pixelOffset != null && (rawPixels || mean != null)) {
            throw new kilotrain.KtException("--pixel-offset excludes --raw-pixels and --mean/--std");
        }
        if (referencePixels && (pixelOffset != null || rawPixels || mean != null)) {
            throw new kilotrain.KtException("--reference-pixels excludes --pixel-offset, --raw-pixels and --mean/--std");
        }
        if (referencePixels) {
            return InputSpec.referencePixels(input);
        }
        if (pixelOffset != null) {
            return InputSpec.offset(input, pixelOffset);
        }
        return rawPixels ? InputSpec.rawBytes(input) : mean == null ? InputSpec.of(input) : InputSpec.of(input, mean, std);
    }

    /** Checks the values that need no model, before any work. */
    void check() {
        if (resizeShorter() < 0) {
            throw new kilotrain.KtException("--resize-shorter must be 0 (plain resize) or a size in pixels, got "
                    + resizeShorter);
        }
        if ((mean == null) != (std == null)) {
            throw new kilotrain.KtException("--mean and --std go together");
        }
    }

    @Override
    public TestTransform transform() {
        check();
        return resizeShorter() == 0 ? TestTransform.resize() : TestTransform.shorterThenCrop(resizeShorter());
    }
}
