package kilotrain.data;

/** A crop of an image: top row, left column, height, width. */
public record CropBox(int top, int left, int height, int width) {
}
