package kilotrain.importer.pkl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import kilotrain.KtException;
import kilotrain.ir.Add;
import kilotrain.ir.AvgPool2D;
import kilotrain.ir.Conv2D;
import kilotrain.ir.Graph;
import kilotrain.ir.Op;
import kilotrain.ir.Padding;
import kilotrain.ir.Quant;
import kilotrain.ir.Requant;
import kilotrain.ir.Tensor;
import net.razorvine.pickle.PickleException;

/**
 * Imports the paper's int8 MCU models (mit-han-lab/tiny-training {@code mcu_models/*.pkl}): a zip whose
 * {@code data.pkl} holds a dict {@code first_conv, blocks, feature_mix, classifier}, with tensors either as numpy
 * arrays or as torch storages. The graph follows the paper's float32 arithmetic ({@link Requant.FloatRint},
 * {@link Add.Rule#FLOAT_RINT}, {@link AvgPool2D.Rounding#FLOAT_RINT}) so it reproduces the reference bit for bit.
 *
 * <p>Convolutions are named {@code conv<i>} with i the paper's index counted from the input (the classifier is
 * last), which is also their position in {@link Graph#weightedOps()}. Marks: {@code lastblock}, {@code pool}.
 */
public final class PklImporter {
    /** Larger entries than this are not a model of an MCU-sized network; refuse instead of exhausting memory. */
    static final long MAX_ENTRY_BYTES = 256L << 20;
    static final int MAX_CHANNELS = 1 << 16, MAX_SPATIAL = 1 << 14, MAX_KERNEL = 64;

    private final String file;
    /** Input resolution to build the graph for; 0 keeps the one the model was exported at. */
    private int imageSize;
    private final List<Op> ops = new ArrayList<>();
    private int convIndex;

    private PklImporter(String file) {
        this.file = file;
    }

    public static Graph load(Path file) {
        return load(file, 0);
    }

    /**
     * Loads the model for square inputs of {@code imageSize} pixels (0: the size it was exported at). The paper's
     * networks are fully convolutional up to the global pool, so any size whose feature maps stay positive works.
     */
    public static Graph load(Path file, int imageSize) {
        if (imageSize < 0 || imageSize > MAX_SPATIAL) {
            throw new KtException(file + ": image size " + imageSize + " is out of range (1.." + MAX_SPATIAL + ")");
        }
        String name = file.toString();
        if (!Files.isRegularFile(file)) {
            throw new KtException(name + ": no such model file");
        }
        Object root;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry pkl = findDataPkl(zip, name);
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            byte[] pickle = readEntry(zip, pkl, name);
            PickleScanner.check(pickle, name + " (" + pkl.getName() + ")");
            root = PklUnpickler.loadPickle(pickle, key -> {
                ZipEntry e = zip.getEntry(prefix + "data/" + key);
                if (e == null) {
                    throw new PickleException("missing tensor storage entry '" + prefix + "data/" + key + "'");
                }
                try {
                    return readEntry(zip, e, name);
                } catch (IOException ex) {
                    throw new PickleException("cannot read '" + e.getName() + "': " + ex.getMessage());
                }
            });
        } catch (ZipException e) {
            throw new KtException(name + ": not a valid model zip archive (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new KtException(name + ": cannot read model: " + e.getMessage(), e);
        } catch (PickleException e) {
            throw new KtException(name + ": corrupt model pickle: " + innermostMessage(e), e);
        } catch (RuntimeException e) {
            if (e instanceof KtException) {
                throw e;
            }
            // the unpickler reports malformed data as class casts, index errors and the like
            throw new KtException(name + ": corrupt model pickle: " + e, e);
        }
        String modelName = file.getFileName().toString().replaceFirst("\\.pkl$", "");
        try {
            PklImporter im = new PklImporter(name);
            im.imageSize = imageSize;
            return im.build(root, modelName);
        } catch (IllegalArgumentException e) {
            throw new KtException(name + ": inconsistent model: " + e.getMessage(), e);
        }
    }

    /** BUILD wraps our own errors in reflection exceptions; the useful text is the deepest message. */
    static String innermostMessage(Throwable e) {
        String msg = e.getMessage();
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c.getMessage() != null) {
                msg = c.getMessage();
            }
        }
        return msg;
    }

    private static ZipEntry findDataPkl(ZipFile zip, String name) {
        ZipEntry found = null;
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements();) {
            ZipEntry e = en.nextElement();
            String n = e.getName();
            if (n.equals("data.pkl") || n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - 9) {
                found = e;
                break;
            }
        }
        if (found == null) {
            throw new KtException(name + ": zip archive has no '<archive>/data.pkl' entry");
        }
        return found;
    }

    static byte[] readEntry(ZipFile zip, ZipEntry e, String name) throws IOException {
        if (e.getSize() > MAX_ENTRY_BYTES) {
            throw new KtException(name + ": zip entry '" + e.getName() + "' claims " + e.getSize()
                    + " bytes, more than the " + MAX_ENTRY_BYTES + " a model entry may have");
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] data = in.readNBytes((int) MAX_ENTRY_BYTES + 1);
            if (data.length > MAX_ENTRY_BYTES) {
                throw new KtException(name + ": zip entry '" + e.getName() + "' is larger than "
                        + MAX_ENTRY_BYTES + " bytes");
            }
            return data;
        }
    }

    // ---------------------------------------------------------------- graph building

    private Graph build(Object root, String modelName) {
        Map<?, ?> model = dict(root, "model");
        Map<?, ?> first = dict(get(model, "first_conv", "model"), "first_conv");
        Map<?, ?> fp = dict(get(first, "params", "first_conv"), "first_conv.params");
        int inCh = positive(first, "in_channel", "first_conv", MAX_CHANNELS);
        int inSize = positive(first, "in_shape", "first_conv", MAX_SPATIAL);
        if (imageSize > 0) {
            inSize = imageSize;
        }
        Quant inQuant = Quant.perTensor(real(fp, "x_scale", "first_conv.params"),
                integer(fp, "x_zero", "first_conv.params"));
        Tensor input = new Tensor("input", new int[] {1, inSize, inSize, inCh}, kilotrain.ir.DType.INT8, inQuant);

        Tensor x = conv(first, "first_conv", input);
        Object blocksObj = get(model, "blocks", "model");
        if (!(blocksObj instanceof List<?> blocks)) {
            throw new KtException(file + ": key 'blocks' is not a list");
        }
        for (int b = 0; b < blocks.size(); b++) {
            String where = "blocks[" + b + "]";
            Map<?, ?> block = dict(blocks.get(b), where);
            if (get(block, "se", where, true) != null) {
                throw new KtException(file + ": " + where + " has a squeeze-excite part, which is not supported");
            }
            Tensor blockIn = x;
            boolean any = false;
            for (String part : new String[] {"pointwise1", "depthwise", "pointwise2"}) {
                Object p = get(block, part, where, true);
                if (p != null) {
                    x = conv(dict(p, where + "." + part), where + "." + part, x);
                    any = true;
                }
            }
            if (!any) {
                throw new KtException(file + ": " + where + " has no convolution");
            }
            Object res = get(block, "residual", where, true);
            if (res != null) {
                x = residual(dict(res, where + ".residual"), where, blockIn, x);
            }
        }
        Tensor lastBlock = x;
        Object mix = get(model, "feature_mix", "model", true);
        if (mix != null) {
            x = conv(dict(mix, "feature_mix"), "feature_mix", x);
        }
        Tensor pooled = new Tensor("pool", new int[] {1, 1, 1, x.channels()}, kilotrain.ir.DType.INT8, x.quant);
        ops.add(new AvgPool2D("pool", x, pooled, x.height(), x.width(), 1, 1, Padding.NONE,
                AvgPool2D.Rounding.FLOAT_RINT, -128, 127));
        Tensor logits = conv(dict(get(model, "classifier", "model"), "classifier"), "classifier", pooled);
        Map<String, Tensor> marks = new LinkedHashMap<>();
        marks.put("lastblock", lastBlock);
        marks.put("pool", pooled);
        return new Graph(modelName, Graph.Source.TINY_TRAINING_PKL, input, logits, ops, marks);
    }

    private Tensor conv(Map<?, ?> c, String where, Tensor x) {
        String name = "conv" + convIndex++;
        Map<?, ?> p = dict(get(c, "params", where), where + ".params");
        String pw = where + ".params";
        int cin = positive(c, "in_channel", where, MAX_CHANNELS);
        int cout = positive(c, "out_channel", where, MAX_CHANNELS);
        int groups = positive(c, "groups", where, MAX_CHANNELS);
        int stride = positive(c, "stride", where, MAX_SPATIAL);
        int[] k = kernel(get(c, "kernel_size", where), where);
        Object act = get(c, "act", where, true);
        if (act != null) {
            throw new KtException(file + ": " + where + ".act is " + act + "; only act=None (activation folded into"
                    + " the output range) is supported");
        }
        if (cin != x.channels()) {
            throw new KtException(file + ": " + where + ".in_channel is " + cin + " but its input " + x.name
                    + " has " + x.channels() + " channels");
        }
        Object inShape = get(c, "in_shape", where, true);
        if (imageSize == 0 && inShape != null && toInt(inShape, where + ".in_shape") != x.height()) {
            throw new KtException(file + ": " + where + ".in_shape is " + inShape + " but its input " + x.name
                    + " is " + x.height() + "x" + x.width());
        }
        if (groups <= 0 || cin % groups != 0 || cout % groups != 0) {
            throw new KtException(file + ": " + where + ": " + groups + " groups do not divide " + cin + " -> "
                    + cout + " channels");
        }
        int xZero = integer(p, "x_zero", pw);
        double xScale = real(p, "x_scale", pw);
        checkQuant(x, xScale, xZero, where + ".params.x_scale/x_zero");
        double yScale = real(p, "y_scale", pw);
        int yZero = integer(p, "y_zero", pw);
        if (!(yScale > 0) || yZero < -128 || yZero > 127) {
            throw new KtException(file + ": " + pw + ": output quantization (" + yScale + ", " + yZero
                    + ") is invalid");
        }

        NdArray w = array(p, "weight", pw, "i1", cout, cin / groups, k[0], k[1]);
        NdArray b = array(p, "bias", pw, "i4", cout);
        NdArray ws = p.get("w_scales") instanceof NdArray a && a.dtype.equals("f8")
                ? array(p, "w_scales", pw, "f8", cout) : array(p, "w_scales", pw, "f4", cout);
        double[] wScales = ws.float64();

        byte[] oihw = w.data;
        int cinG = cin / groups, kh = k[0], kw = k[1];
        byte[] ohwi = new byte[oihw.length];
        for (int o = 0; o < cout; o++) {
            for (int i = 0; i < cinG; i++) {
                for (int y = 0; y < kh; y++) {
                    for (int xx = 0; xx < kw; xx++) {
                        ohwi[((o * kh + y) * kw + xx) * cinG + i] = oihw[((o * cinG + i) * kh + y) * kw + xx];
                    }
                }
            }
        }
        float[] eff = new float[cout];
        for (int o = 0; o < cout; o++) {
            if (!(wScales[o] > 0) || Double.isInfinite(wScales[o])) {
                throw new KtException(file + ": " + pw + ".w_scales[" + o + "] is " + wScales[o]);
            }
            // the reference computes the product in double (Python floats) and rounds once to float32
            eff[o] = (float) (xScale * wScales[o] / yScale);
        }
        int padH = (kh - 1) / 2, padW = (kw - 1) / 2;
        int oh = Padding.outSize(x.height(), kh, stride, 1, padH, padH);
        int ow = Padding.outSize(x.width(), kw, stride, 1, padW, padW);
        if (oh <= 0 || ow <= 0) {
            throw new KtException(file + ": " + where + ": kernel " + kh + "x" + kw + " does not fit its "
                    + x.height() + "x" + x.width() + " input");
        }
        Object outShape = get(c, "out_shape", where, true);
        if (imageSize == 0 && outShape != null && toInt(outShape, where + ".out_shape") != oh) {
            throw new KtException(file + ": " + where + ".out_shape is " + outShape + " but stride " + stride
                    + " and kernel " + kh + " give " + oh);
        }
        Tensor weight = Tensor.int8(name + ".weight", new int[] {cout, kh, kw, cinG},
                Quant.perAxis(wScales, new int[cout], 0), ohwi);
        Tensor bias = Tensor.int32(name + ".bias", new int[] {cout}, null, b.int32());
        Tensor y = new Tensor(where, new int[] {1, oh, ow, cout}, kilotrain.ir.DType.INT8,
                Quant.perTensor(yScale, yZero));
        ops.add(new Conv2D(name, x, weight, bias, y, stride, stride, 1, 1, new Padding(padH, padW, padH, padW),
                groups, new Requant.FloatRint(eff), -128, 127, "NONE"));
        return y;
    }

    private Tensor residual(Map<?, ?> r, String where, Tensor shortcut, Tensor main) {
        String pw = where + ".residual.params";
        Map<?, ?> p = dict(get(r, "params", where + ".residual"), pw);
        checkQuant(shortcut, real(p, "x_scale", pw), integer(p, "x_zero", pw), pw + ".x_scale/x_zero");
        if (shortcut.elements() != main.elements() || shortcut.channels() != main.channels()) {
            throw new KtException(file + ": " + where + ".residual adds " + Arrays.toString(shortcut.shape) + " to "
                    + Arrays.toString(main.shape));
        }
        double yScale = real(p, "y_scale", pw);
        int yZero = integer(p, "y_zero", pw);
        if (!(yScale > 0) || yZero < -128 || yZero > 127) {
            throw new KtException(file + ": " + pw + ": output quantization (" + yScale + ", " + yZero
                    + ") is invalid");
        }
        Tensor y = new Tensor(where, main.shape, kilotrain.ir.DType.INT8, Quant.perTensor(yScale, yZero));
        ops.add(new Add(where + ".residual", shortcut, main, y, Add.Rule.FLOAT_RINT, -128, 127));
        return y;
    }

    /** The model records each layer's input quantization; it must be the quantization its producer wrote. */
    private void checkQuant(Tensor x, double scale, int zero, String where) {
        double have = x.quant.scaleDouble();
        if (zero != x.quant.zeroPoint() || Math.abs(scale - have) > 1e-6 * Math.abs(have)) {
            throw new KtException(file + ": " + where + " = (" + scale + ", " + zero + ") but its input "
                    + x.name + " is quantized as (" + have + ", " + x.quant.zeroPoint() + ")");
        }
    }

    // ---------------------------------------------------------------- typed access with file/key errors

    private Map<?, ?> dict(Object o, String where) {
        if (!(o instanceof Map<?, ?> m)) {
            throw new KtException(file + ": '" + where + "' is " + describe(o) + ", expected a dict");
        }
        return m;
    }

    private Object get(Map<?, ?> m, String key, String where) {
        return get(m, key, where, false);
    }

    private Object get(Map<?, ?> m, String key, String where, boolean optional) {
        if (!m.containsKey(key)) {
            if (optional) {
                return null;
            }
            throw new KtException(file + ": missing key '" + where + "." + key + "'");
        }
        return m.get(key);
    }

    private int toInt(Object o, String where) {
        if (o instanceof Boolean || !(o instanceof Number n) || o instanceof Double || o instanceof Float) {
            throw new KtException(file + ": '" + where + "' is " + describe(o) + ", expected an integer");
        }
        long v = n.longValue();
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new KtException(file + ": '" + where + "' = " + v + " is out of range");
        }
        return (int) v;
    }

    private int integer(Map<?, ?> m, String key, String where) {
        return toInt(get(m, key, where), where + "." + key);
    }

    private int positive(Map<?, ?> m, String key, String where, int max) {
        int v = integer(m, key, where);
        if (v <= 0 || v > max) {
            throw new KtException(file + ": '" + where + "." + key + "' = " + v + " is outside 1.." + max);
        }
        return v;
    }

    private double real(Map<?, ?> m, String key, String where) {
        Object o = get(m, key, where);
        double v;
        if (o instanceof Double d) {
            v = d;
        } else if (o instanceof NdArray a && a.elements() == 1 && (a.dtype.equals("f4") || a.dtype.equals("f8"))) {
            v = a.float64()[0];
        } else {
            throw new KtException(file + ": '" + where + "." + key + "' is " + describe(o) + ", expected a float");
        }
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new KtException(file + ": '" + where + "." + key + "' = " + v + " is not a positive scale");
        }
        return v;
    }

    private int[] kernel(Object o, String where) {
        int[] k;
        if (o instanceof Object[] t && t.length == 2) {
            k = new int[] {toInt(t[0], where + ".kernel_size"), toInt(t[1], where + ".kernel_size")};
        } else if (o instanceof List<?> l && l.size() == 2) {
            k = new int[] {toInt(l.get(0), where + ".kernel_size"), toInt(l.get(1), where + ".kernel_size")};
        } else {
            int v = toInt(o, where + ".kernel_size");
            k = new int[] {v, v};
        }
        for (int v : k) {
            if (v <= 0 || v > MAX_KERNEL || v % 2 == 0) {
                throw new KtException(file + ": '" + where + ".kernel_size' = " + Arrays.toString(k)
                        + " is not an odd size in 1.." + MAX_KERNEL);
            }
        }
        return k;
    }

    private NdArray array(Map<?, ?> m, String key, String where, String dtype, int... shape) {
        Object o = get(m, key, where);
        if (!(o instanceof NdArray a)) {
            throw new KtException(file + ": '" + where + "." + key + "' is " + describe(o) + ", expected an array");
        }
        if (!a.dtype.equals(dtype)) {
            throw new KtException(file + ": '" + where + "." + key + "' has dtype " + a.dtype + ", expected "
                    + dtype);
        }
        if (!Arrays.equals(a.shape, shape)) {
            throw new KtException(file + ": '" + where + "." + key + "' has shape " + Arrays.toString(a.shape)
                    + ", expected " + Arrays.toString(shape));
        }
        return a;
    }

    private static String describe(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof Object[] t) {
            return "a tuple of " + t.length;
        }
        return o instanceof NdArray ? o.toString() : "a " + o.getClass().getSimpleName();
    }
}
