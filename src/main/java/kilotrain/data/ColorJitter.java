package kilotrain.data;

/**
 * torchvision's {@code ColorJitter(brightness, contrast, saturation)} on float pixels in the 0..255 scale (the same as
 * torchvision's 0..1 floats times 255): the three adjustments in a random order, each factor uniform in
 * {@code [max(0, 1 - v), 1 + v]}, each a blend clamped to the pixel range:
 * <ul>
 * <li>brightness: blend with black, {@code f * x};</li>
 * <li>contrast: blend with the mean of the grayscale image ({@code 0.2989 R + 0.587 G + 0.114 B}, unrounded);</li>
 * <li>saturation: blend with the pixel's grayscale value (no-op on one-channel images).</li>
 * </ul>
 * A value of 0 disables an adjustment and draws no random number for it, as in torchvision. With {@code pil} the same
 * draws drive Pillow's uint8 arithmetic instead ({@link PilEnhance}), what torchvision computes on PIL images.
 */
public record ColorJitter(float brightness, float contrast, float saturation, boolean pil) {
    private static final float WR = 0.2989f;
    private static final float WG = 0.587f;
    private static final float WB = 0.114f;

    public ColorJitter {
        if (brightness < 0 || contrast < 0 || saturation < 0) {
            throw new IllegalArgumentException("color jitter strengths must be >= 0");
        }
    }

    public ColorJitter(float brightness, float contrast, float saturation) {
        this(brightness, contrast, saturation, false);
    }

    public static ColorJitter none() {
        return new ColorJitter(0, 0, 0);
    }

    public ColorJitter withPil(boolean p) {
        return new ColorJitter(brightness, contrast, saturation, p);
    }

    public boolean enabled() {
        return brightness > 0 || contrast > 0 || saturation > 0;
    }

    public void apply(float[] px, int pixels, int channels, SplitMix64 rng) {
        if (!enabled()) {
            return;
        }
        // torchvision draws randperm(4) (hue included) first, then each enabled factor
        int[] order = rng.permutation(4);
        double b = brightness > 0 ? rng.uniform(Math.max(0, 1 - brightness), 1 + brightness) : -1;
        double c = contrast > 0 ? rng.uniform(Math.max(0, 1 - contrast), 1 + contrast) : -1;
        double s = saturation > 0 ? rng.uniform(Math.max(0, 1 - saturation), 1 + saturation) : -1;
        int n = pixels * channels;
        for (int op : order) {
            if (op == 0 && b >= 0) {
                if (pil) {
                    PilEnhance.brightness(px, n, (float) b);
                } else {
                    brightness(px, n, (float) b);
                }
            } else if (op == 1 && c >= 0) {
                if (pil) {
                    PilEnhance.contrast(px, pixels, channels, (float) c);
                } else {
                    contrast(px, pixels, channels, (float) c);
                }
            } else if (op == 2 && s >= 0 && channels == 3) {
                if (pil) {
                    PilEnhance.color(px, pixels, (float) s);
                } else {
                    saturation(px, pixels, (float) s);
                }
            }
        }
    }

    static void brightness(float[] px, int n, float f) {
        for (int i = 0; i < n; i++) {
            px[i] = clamp(f * px[i]);
        }
    }

    static void contrast(float[] px, int pixels, int channels, float f) {
        double sum = 0;
        if (channels == 3) {
            for (int i = 0, j = 0; i < pixels; i++, j += 3) {
                sum += WR * px[j] + WG * px[j + 1] + WB * px[j + 2];
            }
        } else {
            for (int i = 0; i < pixels * channels; i++) {
                sum += px[i];
            }
            sum /= channels;
        }
        float mean = (float) (sum / pixels);
        float add = (1f - f) * mean;
        int n = pixels * channels;
        for (int i = 0; i < n; i++) {
            px[i] = clamp(f * px[i] + add);
        }
    }

    static void saturation(float[] px, int pixels, float f) {
        float g1 = 1f - f;
        for (int i = 0, j = 0; i < pixels; i++, j += 3) {
            float gray = g1 * (WR * px[j] + WG * px[j + 1] + WB * px[j + 2]);
            px[j] = clamp(f * px[j] + gray);
            px[j + 1] = clamp(f * px[j + 1] + gray);
            px[j + 2] = clamp(f * px[j + 2] + gray);
        }
    }

    private static float clamp(float v) {
        return Math.max(0f, Math.min(255f, v));
    }
}
