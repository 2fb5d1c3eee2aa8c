package kilotrain.data;

/**
 * How a dataset is read. Immutable; the {@code with...} methods return modified copies.
 *
 * @param limitPerClass keep the first N samples of each class (by file name for folders, by record order for MNIST and
 *                      CIFAR binary files); 0 keeps all
 * @param limit         keep at most N samples in all, taken round-robin over the classes (the 1st of every class, then
 *                      the 2nd, ...) so a small limit stays class-balanced; 0 keeps all
 * @param rawBytes      the size of one raw tensor file (the model input's bytes); needed only for raw tensor folders
 * @param onUnreadable  what to do with an image file that cannot be decoded
 * @param threads       decoding threads
 * @param maxCachedSide when above 0, images whose shorter side is longer are shrunk at load time (Pillow bilinear,
 *                      antialiased) so that it becomes this many pixels, to keep large photos in memory; this changes
 *                      pixel values slightly against resizing the original. 0 keeps images as decoded.
 */
public record LoadOptions(int limitPerClass, int limit, int rawBytes, OnUnreadable onUnreadable, int threads,
                          int maxCachedSide) {

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
    }

    public static LoadOptions defaults() {
        return new LoadOptions(0, 0, 0, OnUnreadable.FAIL,
                Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())), 0);
    }

    public LoadOptions withLimitPerClass(int n) {
        return new LoadOptions(n, limit, rawBytes, onUnreadable, threads, maxCachedSide);
    }

    public LoadOptions withLimit(int n) {
        return new LoadOptions(limitPerClass, n, rawBytes, onUnreadable, threads, maxCachedSide);
    }

    public LoadOptions withRawBytes(int n) {
        return new LoadOptions(limitPerClass, limit, n, onUnreadable, threads, maxCachedSide);
    }

    public LoadOptions withOnUnreadable(OnUnreadable mode) {
        return new LoadOptions(limitPerClass, limit, rawBytes, mode, threads, maxCachedSide);
    }

    public LoadOptions withThreads(int n) {
        return new LoadOptions(limitPerClass, limit, rawBytes, onUnreadable, n, maxCachedSide);
    }

    public LoadOptions withMaxCachedSide(int side) {
        return new LoadOptions(limitPerClass, limit, rawBytes, onUnreadable, threads, side);
    }
}
