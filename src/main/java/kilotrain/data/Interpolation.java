package kilotrain.data;

/**
 * Which bilinear resize turns images into model inputs.
 * <ul>
 * <li>{@link #PIL}: Pillow's {@code Image.resize(BILINEAR)} ({@link PilResize}); what torchvision does on ImageFolder's
 * PIL images and what made the golden inputs in {@code testvectors/} (matched bit for bit). The default.</li>
 * <li>{@link #TORCH}: PyTorch's {@code interpolate(bilinear, align_corners=False, antialias=False)} on float, rounded
 * half to even ({@link BilinearResize}); what torchvision does on uint8 tensors without antialias.</li>
 * </ul>
 * When enlarging the two differ by at most 1 in about a fifth of the values (Pillow rounds between its two passes).
 */
public enum Interpolation {
    PIL, TORCH;

    public static final Interpolation DEFAULT = PIL;
}
