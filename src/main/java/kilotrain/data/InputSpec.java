package kilotrain.data;

import java.util.Arrays;

import kilotrain.KtException;
import kilotrain.ir.Quant;
import kilotrain.ir.Tensor;

/**
 * The model input a sample is turned into: int8 of the input tensor's shape with its quantization, and for an image
 * input (NHWC {@code [1, H, W, C]}) the rule from a uint8 pixel to an int8 value. Inputs of other shapes (e.g.
 * {@code [1, 640]}) take samples given as numbers ({@link NumericDatasets}) or raw tensor files, not images. Because pixels are uint8 that rule is a 256-entry table per channel.
 * <ul>
 * <li>default: {@code q = clamp(p - 128, -128, 127)}, what all the sample models expect;</li>
 * <li>mean/std (per channel, on {@code p / 255}): {@code q = clamp(rint(((p/255 - mean) / std) / scale + zeroPoint),
 * -128, 127)} in double, rint = round half to even.</li>
 * <li>pixel offset: {@code q = clamp(rint(p - offset), -128, 127)}, rint = round half to even; offset 127.5 is what
 * the reference implementation feeds the paper's models (its transform normalises to {@code p - 127.5} and its first
 * convolution rounds), 128 the default.</li>
 * <li>reference pixels: the reference implementation's transform bit for bit, see {@link #referencePixels}.</li>
 * </ul>
 */
public final class InputSpec {
    /** The model input's shape: {@code [1, H, W, C]} for an image input, anything else for other inputs. */
    private final int[] shape;
    /** H, W, C of an image input; 1, 1, 1 for other inputs (their samples come quantized: .npy, CSV, raw files). */
    public final int height;
    public final int width;
    public final int channels;
    public final Quant quant;
    /** The rule in words ("pixel - 128", "reference pixels", ...), for messages and the saved model. */
    public final String rule;
    private final byte[][] table;

    private InputSpec(int[] shape, Quant quant, String rule, byte[][] table) {
        this.shape = shape.clone();
        boolean image = isImage(shape);
        int height = image ? shape[1] : 1;
        int width = image ? shape[2] : 1;
        int channels = image ? shape[3] : 1;
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.quant = quant;
        this.rule = rule;
        this.table = table;
    }

    /** The default pixel - 128 convention. */
    public static InputSpec of(Tensor input) {
        return offset(input, 128);
    }

    /** {@code q = clamp(rint(p - offset), -128, 127)}, rint rounding half to even. */
    public static InputSpec offset(Tensor input, double offset) {
        if (!(offset >= 0 && offset <= 255)) {
            throw new KtException("pixel offset " + offset + " is outside 0..255");
        }
        byte[] t = new byte[256];
        for (int p = 0; p < 256; p++) {
            t[p] = (byte) Math.max(-128, Math.min(127, Math.rint(p - offset)));
        }
        return sameOnEveryChannel(input, offset == 128 ? "pixel - 128" : "rint(pixel - " + offset + ")", t);
    }

    /**
     * What the reference implementation (tiny-training) feeds the paper's models, computed as it does: torchvision's
     * {@code ToTensor} ({@code p / 255} in float32) and {@code Normalize(0.5, 1/255)} (float32 subtract, then divide by
     * the float32 value of 1/255), then its first convolution's {@code round}, half to even. The float32 rounding moves
     * 88 of the 256 values off {@code rint(p - 127.5)} (e.g. pixel 0 gives -127.49999, so -127), so neither offset rule
     * reproduces it.
     */
    public static InputSpec referencePixels(Tensor input) {
        float std = (float) (1.0 / 255.0);
        byte[] t = new byte[256];
        for (int p = 0; p < 256; p++) {
            float x = ((float) p / 255f - 0.5f) / std;
            t[p] = (byte) Math.max(-128, Math.min(127, Math.rint(x)));
        }
        return sameOnEveryChannel(input, "reference pixels", t);
    }

    /**
     * The pixel's byte reinterpreted as int8 ({@code q = (int8) p}): what TensorFlow Lite Micro's person-detection
     * example feeds its model (it copies the image bytes unchanged into the int8 input).
     */
    public static InputSpec rawBytes(Tensor input) {
        byte[] t = new byte[256];
        for (int p = 0; p < 256; p++) {
            t[p] = (byte) p;
        }
        return sameOnEveryChannel(input, "raw pixel bytes", t);
    }

    private static InputSpec sameOnEveryChannel(Tensor input, String rule, byte[] t) {
        byte[][] table = new byte[tableCount(input)][];
        Arrays.fill(table, t);
        return new InputSpec(input.shape, input.quant, rule, table);
    }

    /**
     * A rule given by its tables, one per channel of 256 int8 values (how a fine-tuned model records the input it was
     * trained on, whatever option made it).
     */
    public static InputSpec fromTables(Tensor input, String rule, byte[][] tables) {
        int channels = tableCount(input);
        if (tables.length != channels) {
            throw new KtException("input rule '" + rule + "' has " + tables.length + " channel tables, model input '"
                    + input.name + "' has " + channels + " channels");
        }
        byte[][] t = new byte[tables.length][];
        for (int ch = 0; ch < t.length; ch++) {
            if (tables[ch].length != 256) {
                throw new KtException("input rule '" + rule + "': channel " + ch + " table has " + tables[ch].length
                        + " values, expected 256");
            }
            t[ch] = tables[ch].clone();
        }
        return new InputSpec(input.shape, input.quant, rule, t);
    }

    /** Channel {@code ch}'s table: the int8 value of each of the 256 pixel values. */
    public byte[] table(int ch) {
        return table[ch].clone();
    }

    /** Whether both turn every pixel into the same int8 value (whatever their rules are called). */
    public boolean sameMapping(InputSpec o) {
        return Arrays.deepEquals(table, o.table);
    }

    /** Normalisation by mean/std (one value, or one per channel) then the input's quantization. */
    public static InputSpec of(Tensor input, float[] mean, float[] std) {
        int[] s = checkShape(input);
        int c = s[3];
        if (input.quant == null) {
            throw new KtException("model input '" + input.name + "' has no quantization: mean/std normalisation"
                    + " needs its scale and zero point");
        }
        if ((mean.length != 1 && mean.length != c) || (std.length != 1 && std.length != c)) {
            throw new KtException("mean/std need 1 or " + c + " values for input '" + input.name + "', got "
                    + mean.length + " and " + std.length);
        }
        double scale = input.quant.scaleDouble();
        int zp = input.quant.zeroPoint();
        byte[][] table = new byte[c][256];
        for (int ch = 0; ch < c; ch++) {
            double m = mean[mean.length == 1 ? 0 : ch];
            double sd = std[std.length == 1 ? 0 : ch];
            if (!(sd > 0)) {
                throw new KtException("std must be positive, got " + sd + " for channel " + ch);
            }
            for (int p = 0; p < 256; p++) {
                double q = Math.rint(((p / 255.0 - m) / sd) / scale + zp);
                table[ch][p] = (byte) Math.max(-128, Math.min(127, q));
            }
        }
        return new InputSpec(s, input.quant,
                "mean " + Arrays.toString(mean) + " std " + Arrays.toString(std) + " on pixel/255", table);
    }

    /** Image-only rules (mean/std) need an NHWC input. */
    private static int[] checkShape(Tensor input) {
        int[] s = input.shape;
        if (!isImage(s)) {
            throw new KtException("model input '" + input.name + "' has shape " + Arrays.toString(s)
                    + ", not an image [1, H, W, C]: image options do not apply to it");
        }
        return s;
    }

    private static boolean isImage(int[] s) {
        return s.length == 4 && s[0] == 1;
    }

    /** One pixel table per channel of an image input; one (unused by its samples) for other inputs. */
    private static int tableCount(Tensor input) {
        return isImage(input.shape) ? input.shape[3] : 1;
    }

    /** Whether the input is an image {@code [1, H, W, C]}, which image files can be turned into. */
    public boolean image() {
        return isImage(shape);
    }

    /** The model input's shape. */
    public int[] shape() {
        return shape.clone();
    }

    /** The shape for messages, e.g. {@code [1, 640]}. */
    public String shapeText() {
        return Arrays.toString(shape);
    }

    public int bytes() {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /**
     * A real value as the int8 input, as TensorFlow Lite's QUANTIZE operator computes it (reference AffineQuantize):
     * {@code q = clamp(round(x / scale) + zeroPoint, -128, 127)} with the division in float32 and round half away from
     * zero ({@code TfLiteRound}, i.e. {@code std::round}).
     */
    public static byte quantizeReal(float x, float scale, int zeroPoint) {
        float d = x / scale;
        double r = Math.floor(Math.abs((double) d) + 0.5);
        double q = (d < 0 ? -r : r) + zeroPoint;
        return (byte) Math.max(-128, Math.min(127, q));
    }

    /** The int8 value of uint8 pixel {@code p} on channel {@code ch}. */
    public byte quantize(int ch, int p) {
        return table[ch][p];
    }

    /** Quantizes uint8 HWC pixels into {@code dst} (same layout). */
    void quantize(byte[] pixels, byte[] dst) {
        int c = channels;
        int n = height * width * c;
        if (c == 1) {
            byte[] t = table[0];
            for (int i = 0; i < n; i++) {
                dst[i] = t[pixels[i] & 0xFF];
            }
            return;
        }
        for (int i = 0; i < n; i += c) {
            for (int ch = 0; ch < c; ch++) {
                dst[i + ch] = table[ch][pixels[i + ch] & 0xFF];
            }
        }
    }

    /** Rounds float pixels in 0..255 (half to even) and quantizes them into {@code dst}. */
    void quantizeRounded(float[] pixels, byte[] dst) {
        int c = channels;
        int n = height * width * c;
        if (c == 3) {
            byte[] t0 = table[0];
            byte[] t1 = table[1];
            byte[] t2 = table[2];
            for (int i = 0; i < n; i += 3) {
                dst[i] = t0[(int) BilinearResize.roundHalfEven(pixels[i])];
                dst[i + 1] = t1[(int) BilinearResize.roundHalfEven(pixels[i + 1])];
                dst[i + 2] = t2[(int) BilinearResize.roundHalfEven(pixels[i + 2])];
            }
            return;
        }
        for (int i = 0; i < n; i += c) {
            for (int ch = 0; ch < c; ch++) {
                dst[i + ch] = table[ch][(int) BilinearResize.roundHalfEven(pixels[i + ch])];
            }
        }
    }

    /** Wraps quantized bytes as the model's input tensor. */
    public Tensor tensor(String name, byte[] data) {
        return Tensor.int8(name, shape.clone(), quant, data);
    }
}
