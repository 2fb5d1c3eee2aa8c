package kilotrain.data;

import java.util.List;
import java.util.stream.IntStream;

import kilotrain.KtException;

/**
 * What the trainer reads: model inputs (int8 NHWC bytes) and labels for train and test samples.
 * <p>
 * Training samples are augmented with a random stream derived from (seed, epoch, index), so {@link #fill} gives the
 * same bytes for the same arguments on any machine, thread or call order. All methods are safe to call from several
 * threads at once.
 * <p>
 * Images whose channel count differs from the model's are converted first (RGB to gray by ITU-R 601 luma, gray to RGB
 * by repetition). Raw tensor samples are copied unchanged.
 */
public final class SampleSource implements Samples {
    private final Dataset train;
    private final Dataset test;
    private final InputSpec spec;
    private final TrainAugment augment;
    private final TestTransform testTransform;
    private final long seed;
    private final Interpolation interpolation;
    private final ThreadLocal<Scratch> scratch;

    public SampleSource(Dataset train, Dataset test, InputSpec spec, TrainAugment augment, TestTransform testTransform,
                        long seed) {
        this(train, test, spec, augment, testTransform, seed, Interpolation.DEFAULT);
    }

    public SampleSource(Dataset train, Dataset test, InputSpec spec, TrainAugment augment, TestTransform testTransform,
                        long seed, Interpolation interpolation) {
        this.interpolation = interpolation;
        this.train = train;
        this.test = test;
        this.spec = spec;
        this.augment = augment;
        this.testTransform = testTransform;
        this.seed = seed;
        int n = spec.bytes();
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(n));
        if (train != null) {
            checkRaw(train);
        }
        if (test != null) {
            checkRaw(test);
        }
    }

    public SampleSource(DatasetSplit split, InputSpec spec, TrainAugment augment, TestTransform testTransform,
                        long seed) {
        this(split.train(), split.test(), spec, augment, testTransform, seed, Interpolation.DEFAULT);
    }

    public SampleSource(DatasetSplit split, InputSpec spec, TrainAugment augment, TestTransform testTransform,
                        long seed, Interpolation interpolation) {
        this(split.train(), split.test(), spec, augment, testTransform, seed, interpolation);
    }

    private void checkRaw(Dataset d) {
        if (d.kind() == Dataset.Kind.RAW && d.size() > 0 && d.data(0).length != spec.bytes()) {
            throw new KtException("raw sample " + d.name(0) + " has " + d.data(0).length + " bytes, the model input "
                    + spec.shapeText() + " needs " + spec.bytes());
        }
        if (d.kind() == Dataset.Kind.IMAGE && !spec.image()) {
            throw new KtException("the model input " + spec.shapeText() + " is not an image [1, H, W, C]; "
                    + d.source() + " holds images: give its samples as .npy files or arrays, CSV rows or raw int8 "
                    + "tensor files");
        }
    }

    public Interpolation interpolation() {
        return interpolation;
    }

    public InputSpec spec() {
        return spec;
    }

    public Dataset train() {
        return train;
    }

    public Dataset test() {
        return test;
    }

    @Override
    public List<String> classes() {
        return (train != null ? train : test).classes();
    }

    @Override
    public int trainSize() {
        return train == null ? 0 : train.size();
    }

    @Override
    public int testSize() {
        return test == null ? 0 : test.size();
    }

    @Override
    public int trainLabel(int index) {
        return train.label(index);
    }

    @Override
    public int testLabel(int index) {
        return test.label(index);
    }

    @Override
    public float[] trainTargets(int index) {
        return train.hasTargets() ? train.targets(index) : null;
    }

    @Override
    public float[] testTargets(int index) {
        return test.hasTargets() ? test.targets(index) : null;
    }

    /** The order of the training samples in epoch {@code epoch}: a seeded Fisher-Yates shuffle. */
    @Override
    public int[] epochOrder(int epoch) {
        return SplitMix64.forSample(seed, epoch, -1).permutation(trainSize());
    }

    /** Augmented, quantized training input of sample {@code index} in epoch {@code epoch}. */
    @Override
    public void fill(int index, int epoch, byte[] dst) {
        if (train == null) {
            throw new KtException("the dataset has no training part");
        }
        checkDst(dst);
        if (train.kind() == Dataset.Kind.RAW) {
            System.arraycopy(train.data(index), 0, dst, 0, dst.length);
            return;
        }
        Scratch s = scratch.get();
        SplitMix64 rng = SplitMix64.forSample(seed, epoch, index);
        byte[] src = matchChannels(train, index, s);
        int h = train.height(index);
        int w = train.width(index);
        int c = spec.channels;
        if (augment.randomCrop()) {
            CropBox box = RandomResizedCrop.sample(rng, h, w, augment.scaleMin(), augment.scaleMax(),
                    augment.ratioMin(), augment.ratioMax());
            boolean flip = augment.flipProbability() > 0 && rng.nextDouble() < augment.flipProbability();
            resize(s, src, w, c, box.top(), box.left(), box.height(), box.width(), spec.height, spec.width,
                    0, 0, spec.height, spec.width, flip, s.pixels);
        } else {
            int[] g = testTransform.geometry(h, w, spec.height, spec.width);
            boolean flip = augment.flipProbability() > 0 && rng.nextDouble() < augment.flipProbability();
            resize(s, src, w, c, 0, 0, h, w, g[0], g[1], g[2], g[3], spec.height, spec.width, flip,
                    s.pixels);
        }
        augment.jitter().apply(s.pixels, spec.height * spec.width, c, rng);
        quantize(s, dst);
    }

    /** Quantized test input of test sample {@code index} (no randomness). */
    @Override
    public void fillTest(int index, byte[] dst) {
        if (test == null) {
            throw new KtException("the dataset has no test part");
        }
        fillPlain(test, index, dst);
    }

    /** Training sample {@code index} through the test-time transform (for evaluating on training data). */
    public void fillTrainPlain(int index, byte[] dst) {
        fillPlain(train, index, dst);
    }

    private void fillPlain(Dataset d, int index, byte[] dst) {
        checkDst(dst);
        if (d.kind() == Dataset.Kind.RAW) {
            System.arraycopy(d.data(index), 0, dst, 0, dst.length);
            return;
        }
        Scratch s = scratch.get();
        byte[] src = matchChannels(d, index, s);
        int h = d.height(index);
        int w = d.width(index);
        int[] g = testTransform.geometry(h, w, spec.height, spec.width);
        resize(s, src, w, spec.channels, 0, 0, h, w, g[0], g[1], g[2], g[3], spec.height, spec.width,
                false, s.pixels);
        quantize(s, dst);
    }

    /**
     * Fills {@code count} training inputs for {@code order[from .. from+count-1]} into {@code dst} (one after the
     * other) in parallel; the result is the same as calling {@link #fill} for each.
     */
    public void fillBatch(int[] order, int from, int count, int epoch, byte[] dst) {
        int n = spec.bytes();
        if (dst.length < (long) count * n) {
            throw new IllegalArgumentException("batch buffer of " + dst.length + " bytes, need " + (long) count * n);
        }
        IntStream.range(0, count).parallel().forEach(k -> {
            byte[] one = scratch.get().out;
            fill(order[from + k], epoch, one);
            System.arraycopy(one, 0, dst, k * n, n);
        });
    }

    private void checkDst(byte[] dst) {
        if (dst.length != spec.bytes()) {
            throw new IllegalArgumentException("input buffer has " + dst.length + " bytes, the model input needs "
                    + spec.bytes());
        }
    }

    private byte[] matchChannels(Dataset d, int index, Scratch s) {
        byte[] src = d.data(index);
        int have = d.channels(index);
        int want = spec.channels;
        if (have == want) {
            return src;
        }
        int pixels = d.height(index) * d.width(index);
        byte[] conv = s.converted(pixels * want);
        if (have == 3 && want == 1) {
            ColorConvert.rgbToGray(src, conv, pixels);
        } else if (have == 1 && want == 3) {
            ColorConvert.grayToRgb(src, conv, pixels);
        } else {
            throw new KtException("sample " + d.name(index) + " has " + have + " channels, the model input has "
                    + want);
        }
        return conv;
    }

    private void resize(Scratch s, byte[] src, int srcW, int c, int top, int left, int boxH, int boxW, int outH,
                        int outW, int offY, int offX, int dstH, int dstW, boolean mirror, float[] dst) {
        if (interpolation == Interpolation.PIL) {
            PilResize.resize(src, srcW, c, top, left, boxH, boxW, outH, outW, offY, offX, dstH, dstW, mirror, dst,
                    s.pil);
        } else {
            BilinearResize.resize(src, srcW, c, top, left, boxH, boxW, outH, outW, offY, offX, dstH, dstW, mirror, dst,
                    s.torch);
        }
    }

    private void quantize(Scratch s, byte[] dst) {
        spec.quantizeRounded(s.pixels, dst);
    }

    private static final class Scratch {
        final float[] pixels;
        final BilinearResize.Workspace torch = new BilinearResize.Workspace();
        final PilResize.Workspace pil = new PilResize.Workspace();
        final byte[] out;
        private byte[] conv = new byte[0];

        Scratch(int n) {
            pixels = new float[n];
            out = new byte[n];
        }

        byte[] converted(int n) {
            if (conv.length < n) {
                conv = new byte[n];
            }
            return conv;
        }
    }
}
