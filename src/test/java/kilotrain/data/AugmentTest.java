package kilotrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import kilotrain.ir.DType;
import kilotrain.ir.Quant;
import kilotrain.ir.Tensor;

class AugmentTest {
    private static Dataset cifar;
    private static DatasetSplit cifarSmall;

    @BeforeAll
    static void load() {
        cifarSmall = DatasetSplit.open(DatasetsTest.CIFAR, LoadOptions.defaults().withLimitPerClass(20));
        cifar = cifarSmall.train();
    }

    static InputSpec spec(int h, int w, int c) {
        return InputSpec.of(new Tensor("input", new int[] {1, h, w, c}, DType.INT8, Quant.perTensor(1 / 255.0, -128)));
    }

    @Test
    void sameSeedSameBytesDifferentSeedDifferentBytes() {
        InputSpec spec = spec(128, 128, 3);
        SampleSource a = new SampleSource(cifarSmall, spec, TrainAugment.standard(), TestTransform.resize(), 42);
        SampleSource b = new SampleSource(cifarSmall, spec, TrainAugment.standard(), TestTransform.resize(), 42);
        SampleSource c = new SampleSource(cifarSmall, spec, TrainAugment.standard(), TestTransform.resize(), 43);
        byte[] x = new byte[spec.bytes()];
        byte[] y = new byte[spec.bytes()];
        byte[] z = new byte[spec.bytes()];
        int differentSeed = 0;
        int differentEpoch = 0;
        for (int i = 0; i < 40; i++) {
            a.fill(i, 3, x);
            b.fill(i, 3, y);
            c.fill(i, 3, z);
            assertArrayEquals(x, y);
            if (!Arrays.equals(x, z)) {
                differentSeed++;
            }
            b.fill(i, 4, y);
            if (!Arrays.equals(x, y)) {
                differentEpoch++;
            }
        }
        assertEquals(40, differentSeed);
        assertEquals(40, differentEpoch);
        assertArrayEquals(a.epochOrder(5), b.epochOrder(5));
        assertFalse(Arrays.equals(a.epochOrder(5), c.epochOrder(5)));
        assertFalse(Arrays.equals(a.epochOrder(5), a.epochOrder(6)));
        int[] sorted = a.epochOrder(5).clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
    }

    @Test
    void knownBytesForAFixedSeed() {
        // pins the generator and the pipeline: a change in either changes what every seed means
        SplitMix64 r = new SplitMix64(0);
        assertEquals(0xE220A8397B1DCDAFL, r.nextLong());
        assertEquals(0x6E789E6AA1B965F4L, r.nextLong());
    }

    /** CRC32 over the augmented inputs of samples 0..9, epoch 2, seed 42: what "seed 42" means, on any machine. */
    static long pinnedChecksum(Interpolation interpolation) {
        InputSpec spec = spec(128, 128, 3);
        SampleSource s = new SampleSource(cifarSmall, spec, TrainAugment.standard(), TestTransform.resize(), 42,
                interpolation);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        byte[] x = new byte[spec.bytes()];
        for (int i = 0; i < 10; i++) {
            s.fill(i, 2, x);
            crc.update(x);
        }
        crc.update(toBytes(s.epochOrder(2)));
        return crc.getValue();
    }

    private static byte[] toBytes(int[] v) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.length * 4);
        b.asIntBuffer().put(v);
        return b.array();
    }

    @Test
    void pinnedAugmentationBytes() {
        // recorded from this implementation; a change means seeds no longer reproduce earlier runs
        assertEquals(0x189c6ea0L, pinnedChecksum(Interpolation.PIL));
        assertEquals(0x5439257bL, pinnedChecksum(Interpolation.TORCH));
    }

    @Test
    void pilJitterDrawsTheSameAndRoundsDownEachAdjustment() {
        InputSpec spec = spec(64, 64, 3);
        TrainAugment pil = TrainAugment.standard().withJitter(TrainAugment.standard().jitter().withPil(true));
        SampleSource f = new SampleSource(cifarSmall, spec, TrainAugment.standard(), TestTransform.resize(), 5);
        SampleSource p = new SampleSource(cifarSmall, spec, pil, TestTransform.resize(), 5);
        byte[] x = new byte[spec.bytes()];
        byte[] y = new byte[spec.bytes()];
        long sumDiff = 0, values = 0, differ = 0;
        for (int i = 0; i < 20; i++) {
            f.fill(i, 1, x);
            p.fill(i, 1, y);
            for (int k = 0; k < x.length; k++) {
                sumDiff += y[k] - x[k];
                differ += x[k] != y[k] ? 1 : 0;
                values++;
            }
        }
        // same crops and factors (same draws), so the images agree up to rounding: three truncations per image
        // lower Pillow's values by about 1.5 levels on average against torchvision's float arithmetic
        double mean = (double) sumDiff / values;
        assertTrue(differ > values / 4, "Pillow's arithmetic changes many values: " + differ + " of " + values);
        assertTrue(mean < -0.5 && mean > -3, "mean difference " + mean);
    }

    @Test
    void parallelBatchEqualsSequentialFills() {
        InputSpec spec = spec(64, 64, 3);
        SampleSource s = new SampleSource(cifarSmall, spec, TrainAugment.standard(), TestTransform.resize(), 7);
        int[] order = s.epochOrder(1);
        int n = 50;
        byte[] batch = new byte[n * spec.bytes()];
        s.fillBatch(order, 10, n, 1, batch);
        byte[] one = new byte[spec.bytes()];
        for (int k = 0; k < n; k++) {
            s.fill(order[10 + k], 1, one);
            assertArrayEquals(one, Arrays.copyOfRange(batch, k * spec.bytes(), (k + 1) * spec.bytes()));
        }
    }

    @Test
    void noAugmentationGivesTheTestTransform() {
        InputSpec spec = spec(128, 128, 3);
        SampleSource s = new SampleSource(cifarSmall, spec, TrainAugment.none(), TestTransform.resize(), 1);
        byte[] x = new byte[spec.bytes()];
        byte[] y = new byte[spec.bytes()];
        s.fill(3, 0, x);
        s.fillTrainPlain(3, y);
        assertArrayEquals(x, y);
        // and that is the plain resize, quantized as pixel - 128
        byte[] px = PilResize.resize(cifar.data(3), 32, 32, 3, 128, 128);
        for (int i = 0; i < px.length; i++) {
            assertEquals((px[i] & 0xFF) - 128, y[i]);
        }
        s.fillTest(0, y);
        assertEquals(200, s.testSize());
    }

    @Test
    void shorterSideThenCentreCropIsAWindowOfTheFullResize() {
        InputSpec spec = spec(128, 128, 3);
        SampleSource s = new SampleSource(cifarSmall, spec, TrainAugment.none(), TestTransform.shorterThenCrop(147), 1);
        byte[] x = new byte[spec.bytes()];
        s.fillTest(7, x);
        byte[] full = PilResize.resize(cifarSmall.test().data(7), 32, 32, 3, 147, 147);
        // offset round((147 - 128) / 2) = round(9.5) = 10 (half to even)
        for (int y = 0; y < 128; y++) {
            for (int i = 0; i < 128 * 3; i++) {
                assertEquals((full[((y + 10) * 147 + 10) * 3 + i] & 0xFF) - 128, x[y * 128 * 3 + i]);
            }
        }
    }

    @Test
    void grayModelFromRgbAndRgbModelFromGray() {
        InputSpec gray = spec(32, 32, 1);
        SampleSource s = new SampleSource(cifarSmall, gray, TrainAugment.none(), TestTransform.resize(), 1);
        byte[] x = new byte[gray.bytes()];
        s.fillTrainPlain(0, x);
        byte[] p = cifar.data(0);
        for (int i = 0; i < 32 * 32; i++) {
            int l = ColorConvert.luma(p[3 * i] & 0xFF, p[3 * i + 1] & 0xFF, p[3 * i + 2] & 0xFF);
            assertEquals(l - 128, x[i]);
        }
        Dataset mnist = MnistDataset.open(DatasetsTest.MNIST, "t10k", LoadOptions.defaults().withLimit(10));
        InputSpec rgb = spec(28, 28, 3);
        SampleSource m = new SampleSource(mnist, null, rgb, TrainAugment.none(), TestTransform.resize(), 1);
        byte[] y = new byte[rgb.bytes()];
        m.fillTrainPlain(0, y);
        for (int i = 0; i < 28 * 28; i++) {
            int v = (mnist.data(0)[i] & 0xFF) - 128;
            assertEquals(v, y[3 * i]);
            assertEquals(v, y[3 * i + 2]);
        }
    }

    @Test
    void flipMirrorsTheImage() {
        InputSpec spec = spec(32, 32, 3);
        TrainAugment flipAlways = TrainAugment.none().withFlip(1.0);
        SampleSource f = new SampleSource(cifarSmall, spec, flipAlways, TestTransform.resize(), 1);
        byte[] x = new byte[spec.bytes()];
        f.fill(5, 0, x);
        byte[] p = cifar.data(5);
        for (int y = 0; y < 32; y++) {
            for (int c = 0; c < 3; c++) {
                assertEquals((p[(y * 32 + 31) * 3 + c] & 0xFF) - 128, x[(y * 32) * 3 + c]);
            }
        }
    }

    @Test
    void jitterFormulas() {
        float[] px = {100, 50, 200, 10, 20, 30};
        ColorJitter.brightness(px, 6, 1.5f);
        assertArrayEquals(new float[] {150, 75, 255, 15, 30, 45}, px);
        float[] q = {100, 100, 100, 0, 0, 0};
        ColorJitter.contrast(q, 2, 3, 0.5f);
        // gray mean = (0.2989 + 0.587 + 0.114) * 100 / 2 = 49.995
        assertEquals(0.5f * 100 + 0.5f * 49.995f, q[0], 1e-3);
        assertEquals(0.5f * 49.995f, q[3], 1e-3);
        float[] s = {200, 100, 0};
        ColorJitter.saturation(s, 1, 0f);
        float g = 0.2989f * 200 + 0.587f * 100;
        assertEquals(g, s[0], 1e-3);
        assertEquals(g, s[2], 1e-3);
    }

    /** Crop boxes lie inside the image; their size is a rounding of an area and aspect ratio within range. */
    @Property(tries = 3000, seed = "20261123")
    void cropBoxesInsideAndInRange(@ForAll @IntRange(min = 1, max = 1500) int height,
                                   @ForAll @IntRange(min = 1, max = 1500) int width, @ForAll long seed) {
        double rlo = 3.0 / 4;
        double rhi = 4.0 / 3;
        CropBox b = RandomResizedCrop.sample(new SplitMix64(seed), height, width, 0.08, 1.0, rlo, rhi);
        assertTrue(b.top() >= 0 && b.left() >= 0 && b.height() >= 1 && b.width() >= 1, b.toString());
        assertTrue(b.top() + b.height() <= height && b.left() + b.width() <= width, b + " in " + height + "x" + width);
        if (b.equals(RandomResizedCrop.fallback(height, width, rlo, rhi))) {
            return;
        }
        double area = (double) height * width;
        double areaMax = (b.width() + 0.5) * (b.height() + 0.5);
        double areaMin = (b.width() - 0.5) * (b.height() - 0.5);
        assertTrue(areaMax >= 0.08 * area && areaMin <= area, b + " area vs " + area);
        double ratioMax = (b.width() + 0.5) / (b.height() - 0.5);
        double ratioMin = (b.width() - 0.5) / (b.height() + 0.5);
        assertTrue(ratioMax >= rlo && ratioMin <= rhi, b + " aspect");
        if (height >= 200 && width >= 200) {
            double frac = (double) b.width() * b.height() / area;
            double aspect = (double) b.width() / b.height();
            assertTrue(frac >= 0.08 * 0.95 && frac <= 1.0, b + " area fraction " + frac);
            assertTrue(aspect >= rlo * 0.97 && aspect <= rhi * 1.03, b + " aspect " + aspect);
        }
    }

    @Property(tries = 200, seed = "20261123")
    void cropPositionsCoverTheImage(@ForAll @IntRange(min = 0, max = 1000) int index) {
        // across many samples the box must reach both borders: the top/left draw is uniform over all positions
        int minTop = Integer.MAX_VALUE;
        int maxBottom = 0;
        for (int e = 0; e < 200; e++) {
            CropBox b = RandomResizedCrop.sample(SplitMix64.forSample(index, e, index), 64, 64, 0.08, 0.2, 0.75,
                    4.0 / 3);
            minTop = Math.min(minTop, b.top());
            maxBottom = Math.max(maxBottom, b.top() + b.height());
        }
        assertTrue(minTop <= 3 && maxBottom >= 61, minTop + " " + maxBottom);
    }
}
