package kilotrain.data;

/**
 * torchvision's {@code RandomResizedCrop.get_params}: up to 10 attempts at a box of area
 * {@code uniform(scale) * H * W} and log-uniform aspect ratio, sides rounded half-to-even (Python's round), accepted
 * when it fits; otherwise the centre crop of the whole image clamped to the ratio range.
 * StrictMath for log/exp: Math's may differ by an ulp between machines and so flip a rounding of a side.
 */
public final class RandomResizedCrop {
    private RandomResizedCrop() {
    }

    public static CropBox sample(SplitMix64 rng, int height, int width, double scaleMin, double scaleMax,
                                 double ratioMin, double ratioMax) {
        double area = (double) height * width;
        double logLo = StrictMath.log(ratioMin);
        double logHi = StrictMath.log(ratioMax);
        for (int attempt = 0; attempt < 10; attempt++) {
            double targetArea = area * rng.uniform(scaleMin, scaleMax);
            double aspect = StrictMath.exp(rng.uniform(logLo, logHi));
            int w = (int) Math.rint(Math.sqrt(targetArea * aspect));
            int h = (int) Math.rint(Math.sqrt(targetArea / aspect));
            if (w > 0 && w <= width && h > 0 && h <= height) {
                int top = rng.nextInt(height - h + 1);
                int left = rng.nextInt(width - w + 1);
                return new CropBox(top, left, h, w);
            }
        }
        return fallback(height, width, ratioMin, ratioMax);
    }

    static CropBox fallback(int height, int width, double ratioMin, double ratioMax) {
        double inRatio = (double) width / height;
        int w;
        int h;
        if (inRatio < Math.min(ratioMin, ratioMax)) {
            w = width;
            h = (int) Math.rint(w / Math.min(ratioMin, ratioMax));
        } else if (inRatio > Math.max(ratioMin, ratioMax)) {
            h = height;
            w = (int) Math.rint(h * Math.max(ratioMin, ratioMax));
        } else {
            w = width;
            h = height;
        }
        return new CropBox((height - h) / 2, (width - w) / 2, h, w);
    }
}
