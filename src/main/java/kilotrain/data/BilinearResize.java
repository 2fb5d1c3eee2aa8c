package kilotrain.data;

/**
 * Bilinear resize defined exactly as PyTorch's {@code F.interpolate(mode="bilinear", align_corners=False,
 * antialias=False)} on a float32 copy of the uint8 image (what torchvision's tensor {@code resize} does), followed by
 * round-half-to-even to uint8:
 * <pre>
 *   scale = (float) inSize / outSize                      (float32)
 *   src   = max(scale * (dst + 0.5f) - 0.5f, 0)           (float32)
 *   i0 = (int) src,  i1 = i0 + (i0 &lt; inSize - 1 ? 1 : 0),  l1 = src - i0,  l0 = 1 - l1
 *   out = ly0 * (lx0 * v[y0][x0] + lx1 * v[y0][x1]) + ly1 * (lx0 * v[y1][x0] + lx1 * v[y1][x1])
 * </pre>
 * in float32, in PyTorch's evaluation order. Antialias is off; it makes no difference when enlarging (the usual case
 * here: 32x32 CIFAR to a 128x128 model) but differs from torchvision's antialiased default when shrinking.
 * <p>
 * A resize works on a box of the source (a crop) and may produce only a window of the resized image (the centre
 * crop after a resize of the shorter side) and mirror it (horizontal flip after the resize).
 */
public final class BilinearResize {
    private BilinearResize() {
    }

    /** Source index and weight tables along one axis. */
    static final class Axis {
        final int[] i0;
        final int[] i1;
        final float[] l0;
        final float[] l1;

        Axis(int n) {
            i0 = new int[n];
            i1 = new int[n];
            l0 = new float[n];
            l1 = new float[n];
        }
    }

    /**
     * Tables for output positions {@code from .. from+count-1} of a resize of {@code inSize} source pixels (starting at
     * {@code boxStart}) to {@code outSize}; indices are multiplied by {@code stride}.
     */
    static Axis axis(int boxStart, int inSize, int outSize, int from, int count, int stride, boolean mirror) {
        Axis a = new Axis(count);
        float scale = (float) inSize / outSize;
        for (int k = 0; k < count; k++) {
            int dst = from + (mirror ? count - 1 - k : k);
            float src = scale * (dst + 0.5f) - 0.5f;
            if (src < 0f) {
                src = 0f;
            }
            int i0 = (int) src;
            float l1 = Math.min(Math.max(src - i0, 0f), 1f);
            int i1 = i0 + (i0 < inSize - 1 ? 1 : 0);
            a.i0[k] = (boxStart + i0) * stride;
            a.i1[k] = (boxStart + i1) * stride;
            a.l1[k] = l1;
            a.l0[k] = 1f - l1;
        }
        return a;
    }

    /**
     * Resizes box {@code (top, left, boxH, boxW)} of {@code src} ({@code srcW} wide, {@code c} channels, HWC uint8) to
     * {@code outH x outW}, keeps the window of {@code dstH x dstW} starting at {@code (offY, offX)}, optionally
     * mirrored left-right, and writes the rounded values (integers 0..255) as floats HWC into {@code dst}.
     */
    public static void resize(byte[] src, int srcW, int c, int top, int left, int boxH, int boxW, int outH, int outW,
                              int offY, int offX, int dstH, int dstW, boolean mirror, float[] dst) {
        Axis ys = axis(top, boxH, outH, offY, dstH, srcW * c, false);
        Axis xs = axis(left, boxW, outW, offX, dstW, c, mirror);
        int o = 0;
        for (int y = 0; y < dstH; y++) {
            int r0 = ys.i0[y];
            int r1 = ys.i1[y];
            float ly0 = ys.l0[y];
            float ly1 = ys.l1[y];
            for (int x = 0; x < dstW; x++) {
                int c0 = xs.i0[x];
                int c1 = xs.i1[x];
                float lx0 = xs.l0[x];
                float lx1 = xs.l1[x];
                for (int ch = 0; ch < c; ch++) {
                    float v00 = src[r0 + c0 + ch] & 0xFF;
                    float v01 = src[r0 + c1 + ch] & 0xFF;
                    float v10 = src[r1 + c0 + ch] & 0xFF;
                    float v11 = src[r1 + c1 + ch] & 0xFF;
                    float v = ly0 * (lx0 * v00 + lx1 * v01) + ly1 * (lx0 * v10 + lx1 * v11);
                    dst[o++] = (float) Math.rint(v);
                }
            }
        }
    }

    /** Plain resize of a whole uint8 HWC image to uint8, for callers that want bytes. */
    public static byte[] resize(byte[] src, int srcH, int srcW, int c, int dstH, int dstW) {
        float[] f = new float[dstH * dstW * c];
        resize(src, srcW, c, 0, 0, srcH, srcW, dstH, dstW, 0, 0, dstH, dstW, false, f);
        byte[] out = new byte[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = (byte) (int) f[i];
        }
        return out;
    }
}
