package kilotrain.data;

/**
 * Training augmentation, applied in torchvision's usual order: {@code RandomResizedCrop(size of the model input,
 * scale, ratio)} (bilinear, result rounded to uint8), {@code RandomHorizontalFlip(flipProbability)}, then
 * {@link ColorJitter} on float pixels, rounded to uint8 at the end. With {@code randomCrop} off the test-time
 * geometry is used instead of the random crop.
 */
public record TrainAugment(boolean randomCrop, double scaleMin, double scaleMax, double ratioMin, double ratioMax,
                           double flipProbability, ColorJitter jitter) {

    public TrainAugment {
        if (randomCrop && !(0 < scaleMin && scaleMin <= scaleMax && scaleMax <= 1 && 0 < ratioMin
                && ratioMin <= ratioMax)) {
            throw new IllegalArgumentException("bad random crop ranges: scale (" + scaleMin + ", " + scaleMax
                    + "), ratio (" + ratioMin + ", " + ratioMax + ")");
        }
        if (!(flipProbability >= 0 && flipProbability <= 1)) {
            throw new IllegalArgumentException("flip probability must be in [0, 1]: " + flipProbability);
        }
    }

    /** RandomResizedCrop(scale=(0.08, 1), ratio=(3/4, 4/3)), flip 0.5, jitter 0.4 / 0.4 / 0.4. */
    public static TrainAugment standard() {
        return new TrainAugment(true, 0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0, 0.5, new ColorJitter(0.4f, 0.4f, 0.4f));
    }

    /** No augmentation: training samples go through the test-time transform. */
    public static TrainAugment none() {
        return new TrainAugment(false, 0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0, 0.0, ColorJitter.none());
    }

    public TrainAugment withScale(double min, double max) {
        return new TrainAugment(randomCrop, min, max, ratioMin, ratioMax, flipProbability, jitter);
    }

    public TrainAugment withFlip(double p) {
        return new TrainAugment(randomCrop, scaleMin, scaleMax, ratioMin, ratioMax, p, jitter);
    }

    public TrainAugment withJitter(ColorJitter j) {
        return new TrainAugment(randomCrop, scaleMin, scaleMax, ratioMin, ratioMax, flipProbability, j);
    }
}
