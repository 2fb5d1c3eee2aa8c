package kilotrain.data;

import java.util.List;

import kilotrain.ir.Quant;

/**
 * How a dataset is read. Immutable; the {@code with...} methods return modified copies.
 *
 * @param limitPerClass keep the first N samples of each class (by file name for folders, by record order for MNIST and
 *                      CIFAR binary files, by row for arrays and CSV); 0 keeps all
 * @param limit         keep at most N samples in all, taken round-robin over the classes (the 1st of every class, then
 *                      the 2nd, ...) so a small limit stays class-balanced; 0 keeps all
 * @param rawBytes      the size of one raw tensor file (the model input's bytes); needed only for raw tensor folders
 * @param onUnreadable  what to do with a sample (file, CSV row) that cannot be read
 * @param threads       decoding threads
 * @param maxCachedSide when above 0, images whose shorter side is longer are shrunk at load time (Pillow bilinear,
 *                      antialiased) so that it becomes this many pixels, to keep large photos in memory; this changes
 *                      pixel values slightly against resizing the original. 0 keeps images as decoded.
 * @param inputShape    the model input's shape, for samples given as numbers (.npy, CSV); null when not known
 * @param inputQuant    the model input's quantization, which real-valued samples are quantized with; null if none
 * @param labelColumn   the CSV column holding the class label (null: "label" when the header has it)
 * @param targetColumns the CSV columns holding regression targets (empty: none)
 */
public record LoadOptions(int limitPerClass, int limit, int rawBytes, OnUnreadable onUnreadable, int threads,
                          int maxCachedSide, int[] inputShape, Quant inputQuant, String labelColumn,
                          List<String> targetColumns) {

    public enum OnUnreadable {
        /** Stop with a {@link kilotrain.KtException} naming the first unreadable file (in dataset order). */
        FAIL,
        /** Leave the file out and list it in {@link Dataset#skipped()}. */
        SKIP
    }

    public LoadOptions {
        if (limitPerClass < 0 || limit < 0 || rawBytes < 0 || threads < 1 || maxCachedSide < 0) {
            throw new IllegalArgumentException("bad load options: limitPerClass=" + limitPerClass + " limit=" + limit
                    + " rawBytes=" + rawBytes + " threads=" + threads + " maxCachedSide=" + maxCachedSide);
        }
        if (onUnreadable == null) {
            onUnreadable = OnUnreadable.FAIL;
        }
        inputShape = inputShape == null ? null : inputShape.clone();
        targetColumns = targetColumns == null ? List.of() : List.copyOf(targetColumns);
    }

    public LoadOptions(int limitPerClass, int limit, int rawBytes, OnUnreadable onUnreadable, int threads,
                       int maxCachedSide) {
        this(limitPerClass, limit, rawBytes, onUnreadable, threads, maxCachedSide, null, null, null, List.of());
    }

    public static LoadOptions defaults() {
        return new LoadOptions(0, 0, 0, OnUnreadable.FAIL,
                Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())), 0);
    }

    @Override
    public int[] inputShape() {
        return inputShape == null ? null : inputShape.clone();
    }

    public LoadOptions withLimitPerClass(int n) {
        return new LoadOptions(n, limit, rawBytes, onUnreadable, threads, maxCachedSide, inputShape, inputQuant,
                labelColumn, targetColumns);
    }

    public LoadOptions withLimit(int n) {
        return new LoadOptions(limitPerClass, n, rawBytes, onUnreadable, threads, maxCachedSide, inputShape,
                inputQuant, labelColumn, targetColumns);
    }

    public LoadOptions withRawBytes(int n) {
        return new LoadOptions(limitPerClass, limit, n, onUnreadable, threads, maxCachedSide, inputShape, inputQuant,
                labelColumn, targetColumns);
    }

    public LoadOptions withOnUnreadable(OnUnreadable mode) {
        return new LoadOptions(limitPerClass, limit, rawBytes, mode, threads, maxCachedSide, inputShape, inputQuant,
                labelColumn, targetColumns);
    }

    public LoadOptions withThreads(int n) {
        return new LoadOptions(limitPerClass, limit, rawBytes, onUnreadable, n, maxCachedSide, inputShape, inputQuant,
                labelColumn, targetColumns);
    }

    public LoadOptions withMaxCachedSide(int side) {
        return new LoadOptions(limitPerClass, limit, rawBytes, onUnreadable, threads, side, inputShape, inputQuant,
                labelColumn, targetColumns);
    }

    /** The model input samples are for: its shape (and size in bytes) and quantization. */
    public LoadOptions withInput(int[] shape, Quant quant) {
        int bytes = 1;
        for (int d : shape) {
            bytes *= d;
        }
        return new LoadOptions(limitPerClass, limit, bytes, onUnreadable, threads, maxCachedSide, shape, quant,
                labelColumn, targetColumns);
    }

    /** The CSV columns holding the label, or the regression targets. */
    public LoadOptions withColumns(String label, List<String> targets) {
        return new LoadOptions(limitPerClass, limit, rawBytes, onUnreadable, threads, maxCachedSide, inputShape,
                inputQuant, label, targets);
    }
}
