package kilotrain.device;

import java.util.ArrayList;
import java.util.List;
import kilotrain.KtException;
import kilotrain.data.SampleSource;

/**
 * The samples a device run embeds (device-bench, device-demo, train --device-steps): inputs, their labels and, for
 * a regression, their targets (null otherwise). Picked with the test-time transform, never augmented, so the Java
 * twin sees the same bytes.
 */
public record DeviceSamples(List<byte[]> inputs, int[] labels, float[][] targets) {

    public int size() {
        return inputs.size();
    }

    /** The first {@code count} test samples with a label below {@code below}. */
    public static DeviceSamples test(SampleSource src, int elements, int below, int count) {
        Builder b = new Builder();
        for (int i = 0; i < src.testSize() && b.inputs.size() < count; i++) {
            if (src.testLabel(i) < below) {
                byte[] x = new byte[elements];
                src.fillTest(i, x);
                b.add(x, src.testLabel(i), null);
            }
        }
        return b.build();
    }

    /**
     * The first {@code count} samples of a regression's training part ({@code test}: of its test part) with their
     * targets; the labels are 0. Fails when there is none or the samples have class labels.
     */
    public static DeviceSamples targets(SampleSource src, int elements, int count, boolean test) {
        Builder b = new Builder();
        int n = test ? src.testSize() : src.trainSize();
        for (int i = 0; i < n && b.inputs.size() < count; i++) {
            float[] t = test ? src.testTargets(i) : src.trainTargets(i);
            if (t == null) {
                throw new KtException("the samples have class labels; a regression steps on targets");
            }
            byte[] x = new byte[elements];
            if (test) {
                src.fillTest(i, x);
            } else {
                src.fillTrainPlain(i, x);
            }
            b.add(x, 0, t);
        }
        if (b.inputs.isEmpty()) {
            throw new KtException("no " + (test ? "test" : "training") + " sample to run on the device");
        }
        return b.build();
    }

    /**
     * {@code count} training samples, one per class in turn among the dataset's first {@code classesLimit} classes,
     * so the steps see every class. Fails when there is none.
     */
    public static DeviceSamples training(SampleSource src, int elements, int classesLimit, int count) {
        Builder b = new Builder();
        int classes = Math.min(src.classes().size(), classesLimit);
        boolean[] used = new boolean[src.trainSize()];
        while (b.inputs.size() < count) {
            int before = b.inputs.size();
            for (int c = 0; c < classes && b.inputs.size() < count; c++) {
                for (int i = 0; i < src.trainSize(); i++) {
                    if (!used[i] && src.trainLabel(i) == c) {
                        used[i] = true;
                        byte[] x = new byte[elements];
                        src.fillTrainPlain(i, x);
                        b.add(x, c, null);
                        break;
                    }
                }
            }
            if (b.inputs.size() == before) {
                break;
            }
        }
        if (b.inputs.isEmpty()) {
            throw new KtException("no training sample to run on the device");
        }
        return b.build();
    }

    /**
     * These samples with {@code extra}'s, all labelled {@code label}, at every {@code period}-th place (positions
     * period-1, 2*period-1, ...); what is left of either list at the end follows in order.
     */
    public DeviceSamples interleave(DeviceSamples extra, int label, int period) {
        Builder b = new Builder();
        int k = 0, e = 0;
        while (k < size() || e < extra.size()) {
            if ((b.inputs.size() + 1) % period == 0 && e < extra.size() || k >= size()) {
                b.add(extra.inputs.get(e++), label, null);
            } else {
                b.add(inputs.get(k), labels[k++], null);
            }
        }
        return b.build();
    }

    private static final class Builder {
        final List<byte[]> inputs = new ArrayList<>();
        final List<Integer> labels = new ArrayList<>();
        final List<float[]> targets = new ArrayList<>();

        void add(byte[] x, int label, float[] t) {
            inputs.add(x);
            labels.add(label);
            if (t != null) {
                targets.add(t);
            }
        }

        DeviceSamples build() {
            return new DeviceSamples(inputs, labels.stream().mapToInt(Integer::intValue).toArray(),
                    targets.isEmpty() ? null : targets.toArray(new float[0][]));
        }
    }
}
