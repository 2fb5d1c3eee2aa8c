package kilotrain.data;

import kilotrain.KtException;

/**
 * Test-time geometry. {@code resizeShorter == 0}: plain bilinear resize to the model's H x W. Otherwise torchvision's
 * {@code Resize(resizeShorter)} (shorter side to R, longer side {@code int(R * long / short)}) followed by
 * {@code CenterCrop(H, W)} (offsets {@code round((resized - crop) / 2)}, half to even), e.g. 147 then 128.
 */
public record TestTransform(int resizeShorter) {

    public TestTransform {
        if (resizeShorter < 0) {
            throw new IllegalArgumentException("resizeShorter must be >= 0: " + resizeShorter);
        }
    }

    public static TestTransform resize() {
        return new TestTransform(0);
    }

    public static TestTransform shorterThenCrop(int r) {
        return new TestTransform(r);
    }

    /**
     * The geometry for a {@code srcH x srcW} image into {@code dstH x dstW}: {@code {outH, outW, offY, offX}} of the
     * resized image and its kept window.
     */
    int[] geometry(int srcH, int srcW, int dstH, int dstW) {
        if (resizeShorter == 0) {
            return new int[] {dstH, dstW, 0, 0};
        }
        int outH;
        int outW;
        if (srcW <= srcH) {
            outW = resizeShorter;
            outH = (int) ((double) resizeShorter * srcH / srcW);
        } else {
            outH = resizeShorter;
            outW = (int) ((double) resizeShorter * srcW / srcH);
        }
        if (outH < dstH || outW < dstW) {
            throw new KtException("test transform resizes the shorter side to " + resizeShorter + ", giving " + outH
                    + "x" + outW + ", smaller than the " + dstH + "x" + dstW + " centre crop");
        }
        int offY = (int) Math.rint((outH - dstH) / 2.0);
        int offX = (int) Math.rint((outW - dstW) / 2.0);
        return new int[] {outH, outW, offY, offX};
    }
}
