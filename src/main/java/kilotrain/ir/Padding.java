package kilotrain.ir;

/** Explicit padding in pixels; SAME and VALID are resolved to these numbers at import. */
public record Padding(int top, int left, int bottom, int right) {
    public static final Padding NONE = new Padding(0, 0, 0, 0);

    /** TFLite's SAME padding for one spatial dimension: total padding, with the extra pixel at the end. */
    public static int[] same(int in, int kernel, int stride, int dilation) {
        int effK = (kernel - 1) * dilation + 1;
        int out = (in + stride - 1) / stride;
        int total = Math.max(0, (out - 1) * stride + effK - in);
        return new int[] {total / 2, total - total / 2, out};
    }

    public static int outSize(int in, int kernel, int stride, int dilation, int padBefore, int padAfter) {
        int effK = (kernel - 1) * dilation + 1;
        return (in + padBefore + padAfter - effK) / stride + 1;
    }

    /** TFLite's SAME (extra pixel at the end) or VALID padding of a window over an H x W input. */
    public static Padding of(boolean same, int h, int w, int kh, int kw, int strideH, int strideW, int dilH,
            int dilW) {
        if (!same) {
            return NONE;
        }
        int[] ph = same(h, kh, strideH, dilH);
        int[] pw = same(w, kw, strideW, dilW);
        return new Padding(ph[0], pw[0], ph[1], pw[1]);
    }

    public static Padding of(boolean same, int h, int w, int kh, int kw, int strideH, int strideW) {
        return of(same, h, w, kh, kw, strideH, strideW, 1, 1);
    }
}
