package kilotrain.data;

import java.util.List;
import java.util.function.IntFunction;

/**
 * Labelled samples held in memory, decoded once. Images are stored compactly as uint8 HWC ({@code C} = 1 or 3, each
 * image with its own size); raw samples are the model input's int8 bytes as they were in the file.
 * Instances are immutable after loading and safe to read from several threads.
 */
public final class Dataset {
    public enum Kind { IMAGE, RAW }

    private final String source;
    private final Kind kind;
    private final List<String> classes;
    private final byte[][] data;
    private final int[] heights;
    private final int[] widths;
    private final int[] channels;
    private final int[] labels;
    private final IntFunction<String> names;
    private final List<String> skipped;
    private final List<String> targetNames;
    private final float[][] targets;
    private final boolean targetsInt8;

    Dataset(String source, Kind kind, List<String> classes, byte[][] data, int[] heights, int[] widths, int[] channels,
            int[] labels, IntFunction<String> names, List<String> skipped) {
        this(source, kind, classes, data, heights, widths, channels, labels, names, skipped, List.of(), null);
    }

    /**
     * @param targetNames the regression targets' names (empty when the samples have class labels)
     * @param targets     per sample its targets (null when the samples have class labels)
     */
    Dataset(String source, Kind kind, List<String> classes, byte[][] data, int[] heights, int[] widths, int[] channels,
            int[] labels, IntFunction<String> names, List<String> skipped, List<String> targetNames,
            float[][] targets) {
        this(source, kind, classes, data, heights, widths, channels, labels, names, skipped, targetNames, targets,
                false);
    }

    /** {@code targetsInt8}: the targets are int8 values (an int8 {@code y} array), held as their integers. */
    Dataset(String source, Kind kind, List<String> classes, byte[][] data, int[] heights, int[] widths, int[] channels,
            int[] labels, IntFunction<String> names, List<String> skipped, List<String> targetNames,
            float[][] targets, boolean targetsInt8) {
        this.targetsInt8 = targetsInt8 && targets != null;
        this.targetNames = List.copyOf(targetNames);
        this.targets = targets;
        this.source = source;
        this.kind = kind;
        this.classes = List.copyOf(classes);
        this.data = data;
        this.heights = heights;
        this.widths = widths;
        this.channels = channels;
        this.labels = labels;
        this.names = names;
        this.skipped = List.copyOf(skipped);
    }

    /** The folder or file the samples came from, for messages. */
    public String source() {
        return source;
    }

    public Kind kind() {
        return kind;
    }

    public int size() {
        return labels.length;
    }

    public List<String> classes() {
        return classes;
    }

    public int numClasses() {
        return classes.size();
    }

    public int label(int i) {
        return labels[i];
    }

    /** The stored bytes of sample {@code i}: uint8 HWC pixels for images, int8 tensor bytes for raw samples. */
    public byte[] data(int i) {
        return data[i];
    }

    public int height(int i) {
        return heights[i];
    }

    public int width(int i) {
        return widths[i];
    }

    public int channels(int i) {
        return channels[i];
    }

    /** Where sample {@code i} came from (file, or file and record number), for messages. */
    public String name(int i) {
        return names.apply(i);
    }

    /** Files left out because they could not be decoded (only with {@link LoadOptions.OnUnreadable#SKIP}). */
    public List<String> skipped() {
        return skipped;
    }

    /** Whether the samples carry regression targets (then every label is 0 and {@link #classes()} is empty). */
    public boolean hasTargets() {
        return targets != null;
    }

    /**
     * Whether the regression targets are int8 values (an int8 {@code y} array of shape (N, K)): targets in the
     * quantization of the model's output, held here as their integer values.
     */
    public boolean targetsInt8() {
        return targetsInt8;
    }

    /** The names of the regression targets (CSV columns, or y0, y1, ... for arrays). */
    public List<String> targetNames() {
        return targetNames;
    }

    /** The regression targets of sample {@code i} (a shared array: do not modify). */
    public float[] targets(int i) {
        return targets[i];
    }

    /** Samples per class. */
    public int[] classCounts() {
        int[] counts = new int[classes.size()];
        if (counts.length == 0) {
            return counts;
        }
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }

    @Override
    public String toString() {
        return source + " (" + kind + ", " + size() + " samples, " + classes.size() + " classes)";
    }
}
