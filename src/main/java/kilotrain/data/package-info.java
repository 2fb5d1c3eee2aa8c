/**
 * Datasets and the conversion of their samples to a model's int8 input.
 * <p>
 * <b>Sources</b> ({@link kilotrain.data.DatasetSplit#open}): class folders of JPEG/PNG/BMP images, of raw int8
 * tensor files or of {@code .npy} samples ({@code train/} and {@code test/} or {@code val/}), MNIST idx files (gzip or
 * not), CIFAR-10 binary batches, NumPy arrays and CSV files ({@link kilotrain.data.NumericDatasets}: how numbers become
 * the int8 input). A sample that cannot be read stops the load with its file named, or with
 * {@link kilotrain.data.LoadOptions.OnUnreadable#SKIP} is left out and listed. Samples are decoded once, in parallel, and kept in memory as uint8 HWC; results do not depend on the
 * number of threads. {@link kilotrain.data.LoadOptions} limits the samples per class (first N by file name or record
 * order) and in total (round-robin over classes).
 * <p>
 * <b>Input conversion</b> ({@link kilotrain.data.SampleSource}): channel conversion (ITU-R 601 luma / repetition),
 * geometry, then quantization by a per-channel table ({@link kilotrain.data.InputSpec}: {@code pixel - 128} by
 * default, or mean/std and the input's scale and zero point).
 * <ul>
 * <li>test: plain bilinear resize to H x W, or shorter side to R then centre crop
 * ({@link kilotrain.data.TestTransform});</li>
 * <li>train ({@link kilotrain.data.TrainAugment}): RandomResizedCrop, horizontal flip, ColorJitter, as torchvision
 * defines them.</li>
 * </ul>
 * Bilinear resizing ({@link kilotrain.data.Interpolation}) is Pillow's by default ({@link kilotrain.data.PilResize}:
 * what torchvision applies to ImageFolder's PIL images, and what made the golden inputs in {@code testvectors/}, which
 * it reproduces bit for bit), or PyTorch's {@code align_corners=False}, no antialias, in float32, rounded half to even
 * ({@link kilotrain.data.BilinearResize}). The resized image is rounded to uint8 before colour jitter (as torchvision
 * does on PIL or uint8 images); jitter runs on floats and the result is rounded once more.
 * <p>
 * <b>Randomness</b>: {@link kilotrain.data.SplitMix64} streams derived from (seed, epoch, sample index); the epoch's
 * shuffle uses index -1. Per sample the draws are, in order: crop attempts (area fraction, log aspect, then top and
 * left when the box fits; at most 10 attempts), flip ({@code u < p}), jitter order (a permutation of 4 as
 * torchvision's {@code randperm(4)}), then brightness, contrast and saturation factors (only those enabled).
 * The same seed gives the same bytes on any machine and with any number of loader threads.
 */
package kilotrain.data;
