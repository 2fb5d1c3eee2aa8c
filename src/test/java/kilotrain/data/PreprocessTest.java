package kilotrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import kilotrain.KtException;
import kilotrain.ir.Quant;
import kilotrain.ir.Tensor;

class PreprocessTest {

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    private static int[] unsigned(byte[] b) {
        int[] v = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            v[i] = b[i] & 0xFF;
        }
        return v;
    }

    @Test
    void upsample2x2To4x4ByHand() {
        // torch: interpolate([[0,100],[200,255]], size=4, bilinear, align_corners=False) =
        // [[0,25,75,100],[50,72.1875,116.5625,138.75],[150,166.5625,199.6875,216.25],[200,213.75,241.25,255]]
        byte[] out = BilinearResize.resize(bytes(0, 100, 200, 255), 2, 2, 1, 4, 4);
        assertArrayEquals(new int[] {0, 25, 75, 100, 50, 72, 117, 139, 150, 167, 200, 216, 200, 214, 241, 255},
                unsigned(out));
    }

    @Test
    void pilUpsampleByHandAgreesWithTorchHere() {
        // Pillow rounds after its horizontal pass: rows [0,25,75,100], [200,214,241,255], then e.g.
        // 0.75 * 75 + 0.25 * 241 = 116.5 -> 117 (half up), 0.25 * 75 + 0.75 * 241 = 199.5 -> 200
        byte[] out = PilResize.resize(bytes(0, 100, 200, 255), 2, 2, 1, 4, 4);
        assertArrayEquals(new int[] {0, 25, 75, 100, 50, 72, 117, 139, 150, 167, 200, 216, 200, 214, 241, 255},
                unsigned(out));
    }

    @Test
    void pilDownsampleIsAntialiased() {
        // 4 -> 2: triangle of support 2: weights 3/7, 3/7, 1/7 and 1/7, 3/7, 3/7
        // (2*3 + 3*3 + 5)/7 = 2.86 -> 3 ; (3 + 5*3 + 8*3)/7 = 6.0 -> 6
        assertArrayEquals(new int[] {3, 6}, unsigned(PilResize.resize(bytes(2, 3, 5, 8), 1, 4, 1, 1, 2)));
        // same size is the identity
        byte[] src = bytes(9, 200, 31, 77, 0, 255);
        assertArrayEquals(src, PilResize.resize(src, 2, 3, 1, 2, 3));
    }

    @Test
    void downsampleRoundsHalfToEven() {
        // 4 -> 2: source positions 0.5 and 2.5, i.e. means of neighbours: 2.5 -> 2, 6.5 -> 6, 3.5 -> 4
        assertArrayEquals(new int[] {2, 6}, unsigned(BilinearResize.resize(bytes(2, 3, 5, 8), 1, 4, 1, 1, 2)));
        assertArrayEquals(new int[] {4, 9}, unsigned(BilinearResize.resize(bytes(3, 4, 9, 9), 1, 4, 1, 1, 2)));
    }

    @Test
    void upsample3To5ByHand() {
        // scale 0.6: src = 0.6 * (x + 0.5) - 0.5 = 0 (clamped), 0.4, 1.0, 1.6, 2.2 (i1 clamped to 2)
        byte[] out = BilinearResize.resize(bytes(10, 60, 200), 1, 3, 1, 1, 5);
        // 10, 0.6*10+0.4*60=30, 60, 0.4*60+0.6*200=144, 200
        assertArrayEquals(new int[] {10, 30, 60, 144, 200}, unsigned(out));
    }

    @Test
    void sameSizeIsIdentityAndChannelsStayApart() {
        byte[] src = new byte[4 * 3 * 3];
        for (int i = 0; i < src.length; i++) {
            src[i] = (byte) (i * 7);
        }
        assertArrayEquals(src, BilinearResize.resize(src, 4, 3, 3, 4, 3));
        byte[] up = BilinearResize.resize(bytes(10, 20, 30, 50, 60, 70), 1, 2, 3, 1, 4);
        assertArrayEquals(new int[] {10, 20, 30, 20, 30, 40, 40, 50, 60, 50, 60, 70}, unsigned(up));
    }

    @Test
    void mirroredWindowOfResize() {
        float[] dst = new float[3];
        // 1x4 -> 1x8, window x = 2..4, mirrored
        BilinearResize.resize(bytes(0, 80, 160, 240), 4, 1, 0, 0, 1, 4, 1, 8, 0, 2, 1, 3, true, dst);
        byte[] full = BilinearResize.resize(bytes(0, 80, 160, 240), 1, 4, 1, 1, 8);
        assertEquals(full[4] & 0xFF, (int) dst[0]);
        assertEquals(full[3] & 0xFF, (int) dst[1]);
        assertEquals(full[2] & 0xFF, (int) dst[2]);
    }

    @Test
    void grayConversion() {
        assertEquals(0, ColorConvert.luma(0, 0, 0));
        assertEquals(255, ColorConvert.luma(255, 255, 255));
        assertEquals(76, ColorConvert.luma(255, 0, 0)); // 76.245
        assertEquals(150, ColorConvert.luma(0, 255, 0)); // 149.685
        assertEquals(29, ColorConvert.luma(0, 0, 255)); // 29.07
        byte[] rgb = new byte[3];
        ColorConvert.grayToRgb(bytes(99), rgb, 1);
        assertArrayEquals(bytes(99, 99, 99), rgb);
    }

    @Test
    void defaultQuantizationIsPixelMinus128() {
        Tensor t = new Tensor("input", new int[] {1, 4, 4, 3}, kilotrain.ir.DType.INT8, Quant.perTensor(1 / 255.0, -128));
        InputSpec spec = InputSpec.of(t);
        assertEquals(-128, spec.quantize(0, 0));
        assertEquals(0, spec.quantize(1, 128));
        assertEquals(127, spec.quantize(2, 255));
        assertEquals(48, spec.bytes());
    }

    @Test
    void pixelOffsetRoundsHalfToEven() {
        Tensor t = new Tensor("input", new int[] {1, 2, 2, 3}, kilotrain.ir.DType.INT8, Quant.perTensor(2 / 255.0, 0));
        InputSpec ref = InputSpec.offset(t, 127.5);
        // p - 127.5 is always a half: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> 0, -1.5 -> -2; 127.5 clamps to 127
        int[][] expect = {{128, 0}, {129, 2}, {130, 2}, {127, 0}, {126, -2}, {0, -128}, {1, -126}, {255, 127}};
        for (int[] e : expect) {
            assertEquals(e[1], ref.quantize(1, e[0]), "p = " + e[0]);
        }
        InputSpec plain = InputSpec.offset(t, 128);
        for (int p = 0; p < 256; p++) {
            assertEquals(p - 128, plain.quantize(2, p), "offset 128 is the default p - 128");
            assertEquals(p - 128, InputSpec.of(t).quantize(2, p), "the default is p - 128");
        }
        assertThrows(KtException.class, () -> InputSpec.offset(t, -1));
    }

    @Test
    void referencePixelsFollowTorchvisionsFloat32Arithmetic() {
        Tensor t = new Tensor("input", new int[] {1, 2, 2, 3}, kilotrain.ir.DType.INT8, Quant.perTensor(2 / 255.0, 0));
        InputSpec ref = InputSpec.referencePixels(t);
        // numpy float32: (p / 255 - 0.5) / float32(1/255); 0 -> -127.49999, 128 -> 0.50000757, 255 -> 127.49999,
        // 32 -> -95.5 and 33 -> -94.5 exactly (half to even: -96, -94), 64 -> -63.499992
        int[][] expect = {{0, -127}, {1, -126}, {32, -96}, {33, -94}, {64, -63}, {127, 0}, {128, 1}, {129, 2},
            {223, 96}, {224, 96}, {254, 126}, {255, 127}};
        for (int[] e : expect) {
            assertEquals(e[1], ref.quantize(0, e[0]), "p = " + e[0]);
        }
        int minus127 = 0;
        for (int p = 0; p < 256; p++) {
            int q = ref.quantize(2, p);
            assertTrue(q == p - 127 || q == p - 128, "p = " + p + " gave " + q);
            minus127 += q == p - 127 ? 1 : 0;
        }
        assertEquals(184, minus127, "184 of the 256 values round up to p - 127, the others down to p - 128");
    }

    @Test
    void meanStdQuantization() {
        Tensor t = new Tensor("input", new int[] {1, 2, 2, 3}, kilotrain.ir.DType.INT8, Quant.perTensor(0.02, 3));
        InputSpec spec = InputSpec.of(t, new float[] {0.5f, 0.4f, 0.3f}, new float[] {0.25f, 0.5f, 1f});
        // channel 0, p = 255: ((1 - 0.5) / 0.25) / 0.02 + 3 = 103
        assertEquals(103, spec.quantize(0, 255));
        // channel 1, p = 0: ((0 - 0.4) / 0.5) / 0.02 + 3 = -37
        assertEquals(-37, spec.quantize(1, 0));
        // channel 0, p = 0: -100 + 3 = -97; channel 2 p = 255: 35 + 3 = 38
        assertEquals(-97, spec.quantize(0, 0));
        assertEquals(38, spec.quantize(2, 255));
        // clamping: a tiny std saturates
        InputSpec sat = InputSpec.of(t, new float[] {0.5f}, new float[] {0.01f});
        assertEquals(127, sat.quantize(0, 255));
        assertEquals(-128, sat.quantize(2, 0));
        assertThrows(KtException.class, () -> InputSpec.of(t, new float[] {0.5f, 0.5f}, new float[] {1f}));
        // an input that is not an image takes samples given as numbers; image options do not apply to it
        Tensor flat = new Tensor("x", new int[] {4, 4}, kilotrain.ir.DType.INT8, null);
        assertEquals(false, InputSpec.of(flat).image());
        assertEquals(16, InputSpec.of(flat).bytes());
        assertThrows(KtException.class, () -> InputSpec.of(flat, new float[] {0.5f}, new float[] {1f}));
    }

    @Test
    void shorterSideThenCentreCropGeometry() {
        // 32 high, 48 wide, R = 147: 147 x int(147 * 48 / 32 = 220.5) = 220; offsets rint(9.5) = 10, rint(46) = 46
        assertArrayEquals(new int[] {147, 220, 10, 46}, TestTransform.shorterThenCrop(147).geometry(32, 48, 128, 128));
        assertArrayEquals(new int[] {147, 147, 10, 10}, TestTransform.shorterThenCrop(147).geometry(32, 32, 128, 128));
        assertArrayEquals(new int[] {128, 128, 0, 0}, TestTransform.resize().geometry(32, 48, 128, 128));
        assertThrows(KtException.class, () -> TestTransform.shorterThenCrop(100).geometry(32, 32, 128, 128));
    }

    @Test
    void fallbackCropMatchesTorchvision() {
        // whole image when its ratio is in range; clamped to the ratio range otherwise, centred
        assertEquals(new CropBox(0, 0, 32, 32), RandomResizedCrop.fallback(32, 32, 0.75, 4.0 / 3));
        // 100 high, 10 wide: ratio 0.1 < 0.75: w = 10, h = round(10 / 0.75) = 13, top = (100 - 13) // 2 = 43
        assertEquals(new CropBox(43, 0, 13, 10), RandomResizedCrop.fallback(100, 10, 0.75, 4.0 / 3));
        // 10 high, 100 wide: h = 10, w = round(13.33) = 13, left = 43
        assertEquals(new CropBox(0, 43, 10, 13), RandomResizedCrop.fallback(10, 100, 0.75, 4.0 / 3));
    }
}
