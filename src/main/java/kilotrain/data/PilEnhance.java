package kilotrain.data;

/**
 * Pillow's {@code ImageEnhance} on uint8 pixels (held in floats), which is what torchvision's {@code ColorJitter} runs
 * on PIL images, the usual path for image files: every adjustment is {@code Image.blend(degenerate, image, f)}, whose
 * C loop computes {@code in1 + f * (in2 - in1)} in float32 and truncates it to uint8 (clipped to 0..255 only when
 * {@code f} is outside [0, 1]), so each adjustment rounds down; grey is Pillow's fixed-point ITU-R 601-2 luma
 * ({@code (19595 R + 38470 G + 7471 B + 0x8000) >> 16}), and the contrast degenerate is the grey image's mean rounded
 * half up. kilotrain's default jitter is torchvision's float tensor arithmetic ({@link ColorJitter}).
 */
final class PilEnhance {
    private PilEnhance() {
    }

    /** Brightness: blend with a black image. */
    static void brightness(float[] px, int n, float f) {
        for (int i = 0; i < n; i++) {
            px[i] = blend(0, (int) px[i], f);
        }
    }

    /** Contrast: blend with a uniform grey image at the mean luma, {@code int(mean + 0.5)}. */
    static void contrast(float[] px, int pixels, int channels, float f) {
        long sum = 0;
        if (channels == 3) {
            for (int i = 0, j = 0; i < pixels; i++, j += 3) {
                sum += luma((int) px[j], (int) px[j + 1], (int) px[j + 2]);
            }
        } else {
            for (int i = 0; i < pixels; i++) {
                sum += (int) px[i * channels];
            }
        }
        int mean = (int) ((double) sum / pixels + 0.5);
        int n = pixels * channels;
        for (int i = 0; i < n; i++) {
            px[i] = blend(mean, (int) px[i], f);
        }
    }

    /** Colour (saturation): blend with the pixel's own luma. */
    static void color(float[] px, int pixels, float f) {
        for (int i = 0, j = 0; i < pixels; i++, j += 3) {
            int r = (int) px[j], g = (int) px[j + 1], b = (int) px[j + 2];
            int l = luma(r, g, b);
            px[j] = blend(l, r, f);
            px[j + 1] = blend(l, g, f);
            px[j + 2] = blend(l, b, f);
        }
    }

    static int luma(int r, int g, int b) {
        return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }

    /** Pillow's ImagingBlend for one byte: float32 arithmetic, truncation to uint8, clip when extrapolating. */
    static float blend(int in1, int in2, float f) {
        float t = in1 + f * (in2 - in1);
        if (t <= 0f) {
            return 0f;
        }
        if (t >= 255f) {
            return 255f;
        }
        return (int) t;
    }
}
