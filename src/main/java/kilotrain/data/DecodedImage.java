package kilotrain.data;

/** uint8 pixels, HWC, {@code channels} = 1 (gray) or 3 (RGB). */
record DecodedImage(byte[] pixels, int height, int width, int channels) {
}
