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

    /** Reusable buffers, one per thread. */
    public static final class Workspace {
        private float[] rows = new float[0];
        private int[] rowDone = new int[0];
        private int stamp;

        float[] rows(int n) {
            if (rows.length < n) {
                rows = new float[n];
            }
            return rows;
        }

        int[] rowDone(int n) {
            if (rowDone.length < n) {
                rowDone = new int[n];
                stamp = 0;
            }
            return rowDone;
        }
    }

    /**
     * Tables for output positions {@code from .. from+count-1} of a resize of {@code inSize} source pixels to
     * {@code outSize}; indices are relative to the box and multiplied by {@code stride}.
     */
    static Axis axis(int inSize, int outSize, int from, int count, int stride, boolean mirror) {
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
            a.i0[k] = i0 * stride;
            a.i1[k] = i1 * stride;
            a.l1[k] = l1;
            a.l0[k] = 1f - l1;
        }
        return a;
    }

    /**
     * Round half to even for {@code 0 <= v < 2^23}: adding 2^23 leaves a float whose ulp is 1, so IEEE addition
     * itself rounds to the nearest integer, ties to even (Java float arithmetic is exact IEEE).
     */
    static float roundHalfEven(float v) {
        return (v + 0x1.0p23f) - 0x1.0p23f;
    }

    public static void resize(byte[] src, int srcW, int c, int top, int left, int boxH, int boxW, int outH, int outW,
                              int offY, int offX, int dstH, int dstW, boolean mirror, float[] dst) {
        resize(src, srcW, c, top, left, boxH, boxW, outH, outW, offY, offX, dstH, dstW, mirror, dst, new Workspace());
    }

    /**
     * Resizes box {@code (top, left, boxH, boxW)} of {@code src} ({@code srcW} wide, {@code c} channels, HWC uint8) to
     * {@code outH x outW}, keeps the window of {@code dstH x dstW} starting at {@code (offY, offX)}, optionally
     * mirrored left-right, and writes the rounded values (integers 0..255) as floats HWC into {@code dst}.
     * <p>
     * Computed separably: the horizontal blends {@code lx0 * v0 + lx1 * v1} of each source row used are computed once
     * and shared by the output rows that read them; this is the same float arithmetic as the formula above.
     */
    public static void resize(byte[] src, int srcW, int c, int top, int left, int boxH, int boxW, int outH, int outW,
                              int offY, int offX, int dstH, int dstW, boolean mirror, float[] dst, Workspace ws) {
        Axis ys = axis(boxH, outH, offY, dstH, 1, false);
        Axis xs = axis(boxW, outW, offX, dstW, c, mirror);
        int rowLen = dstW * c;
        float[] rows = ws.rows(boxH * rowLen);
        int[] done = ws.rowDone(boxH);
        int stamp = ++ws.stamp;
        if (stamp == Integer.MAX_VALUE) {
            java.util.Arrays.fill(done, 0);
            ws.stamp = stamp = 1;
        }
        int base = (top * srcW + left) * c;
        int rowStride = srcW * c;
        int o = 0;
        for (int y = 0; y < dstH; y++) {
            int r0 = ys.i0[y];
            int r1 = ys.i1[y];
            if (done[r0] != stamp) {
                horizontal(src, base + r0 * rowStride, xs, c, dstW, rows, r0 * rowLen);
                done[r0] = stamp;
            }
            if (done[r1] != stamp) {
                horizontal(src, base + r1 * rowStride, xs, c, dstW, rows, r1 * rowLen);
                done[r1] = stamp;
            }
            float ly0 = ys.l0[y];
            float ly1 = ys.l1[y];
            int a = r0 * rowLen;
            int b = r1 * rowLen;
            for (int k = 0; k < rowLen; k++) {
                dst[o++] = roundHalfEven(ly0 * rows[a + k] + ly1 * rows[b + k]);
            }
        }
    }

    private static void horizontal(byte[] src, int rowStart, Axis xs, int c, int dstW, float[] rows, int out) {
        int[] i0 = xs.i0;
        int[] i1 = xs.i1;
        float[] l0 = xs.l0;
        float[] l1 = xs.l1;
        if (c == 3) {
            for (int x = 0; x < dstW; x++) {
                int p0 = rowStart + i0[x];
                int p1 = rowStart + i1[x];
                float a = l0[x];
                float b = l1[x];
                rows[out++] = a * (src[p0] & 0xFF) + b * (src[p1] & 0xFF);
                rows[out++] = a * (src[p0 + 1] & 0xFF) + b * (src[p1 + 1] & 0xFF);
                rows[out++] = a * (src[p0 + 2] & 0xFF) + b * (src[p1 + 2] & 0xFF);
            }
            return;
        }
        for (int x = 0; x < dstW; x++) {
            int p0 = rowStart + i0[x];
            int p1 = rowStart + i1[x];
            float a = l0[x];
            float b = l1[x];
            for (int ch = 0; ch < c; ch++) {
                rows[out++] = a * (src[p0 + ch] & 0xFF) + b * (src[p1 + ch] & 0xFF);
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
