package kilotrain.data;

/**
 * Channel conversions on uint8 HWC pixels. RGB to gray is ITU-R 601 luma with PIL's rounding
 * ({@code L = (19595 R + 38470 G + 7471 B + 32768) >> 16}, i.e. 0.299 R + 0.587 G + 0.114 B rounded), what
 * {@code Image.convert("L")} gives; gray to RGB repeats the value.
 */
public final class ColorConvert {
    private ColorConvert() {
    }

    public static int luma(int r, int g, int b) {
        return (19595 * r + 38470 * g + 7471 * b + 32768) >> 16;
    }

    public static void rgbToGray(byte[] rgb, byte[] gray, int pixels) {
        for (int i = 0, j = 0; i < pixels; i++, j += 3) {
            gray[i] = (byte) luma(rgb[j] & 0xFF, rgb[j + 1] & 0xFF, rgb[j + 2] & 0xFF);
        }
    }

    public static void grayToRgb(byte[] gray, byte[] rgb, int pixels) {
        for (int i = 0, j = 0; i < pixels; i++, j += 3) {
            byte v = gray[i];
            rgb[j] = v;
            rgb[j + 1] = v;
            rgb[j + 2] = v;
        }
    }
}
