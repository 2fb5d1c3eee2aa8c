package kilotrain.importer.tflite;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import kilotrain.KtException;
import kilotrain.ops.tflite.schema.ActivationFunctionType;
import kilotrain.ops.tflite.schema.Buffer;
import kilotrain.ops.tflite.schema.Model;
import kilotrain.ops.tflite.schema.QuantizationParameters;
import kilotrain.ops.tflite.schema.SubGraph;
import kilotrain.ops.tflite.schema.TensorType;
import kilotrain.ir.Quant;
import kilotrain.ops.requant.FixedPointMath;
import kilotrain.ir.Requant;
import kilotrain.ir.Tensor;

/**
 * Turns TFLite tensors into IR tensors: activations (one IR tensor per TFLite index, so producers and consumers
 * share it), int8 weights, int32 biases, and the quantization-derived numbers ops need (clamp ranges, multipliers).
 */
final class TensorReader {
    /** Activations beyond this many values would not fit any target device; a larger shape means a corrupt file. */
    static final int MAX_ACTIVATION_VALUES = 1 << 24;

    private final TfliteImporter imp;
    private final Model model;
    private final SubGraph subgraph;
    private final byte[] bytes;
    private final int bufferCount, tensorCount;
    private final Map<Integer, Tensor> activations = new HashMap<>();
    private final Map<String, Tensor> constants = new HashMap<>();
    private final kilotrain.ops.tflite.schema.Tensor scratch = new kilotrain.ops.tflite.schema.Tensor();

    TensorReader(TfliteImporter imp, Model model, SubGraph subgraph, byte[] bytes, int bufferCount, int tensorCount) {
        this.imp = imp;
        this.model = model;
        this.subgraph = subgraph;
        this.bytes = bytes;
        this.bufferCount = bufferCount;
        this.tensorCount = tensorCount;
    }

    /** A TFLite tensor's header, read once and checked. */
    private record Header(int index, String name, int[] shape, byte type, long buffer,
            QuantizationParameters quant, boolean sparse) {
        String label() {
            return "tensor " + index + " '" + shortName(name) + "'";
        }
    }

    /** Converters join fused layers' names with ';' into names hundreds of characters long; messages keep the head. */
    static String shortName(String name) {
        int semi = name.indexOf(';');
        String head = semi > 0 ? name.substring(0, semi) + ";..." : name;
        return head.length() > 80 ? head.substring(0, 77) + "..." : head;
    }

    private Header header(int index, String role) {
        if (index < 0 || index >= tensorCount) {
            throw imp.error(role + " refers to tensor " + index + ", outside the " + tensorCount + " tensors");
        }
        kilotrain.ops.tflite.schema.Tensor t = subgraph.tensors(scratch, index);
        String name;
        try {
            name = t.name();
        } catch (IllegalArgumentException e) {
            throw imp.error("corrupt flatbuffer: the name of tensor " + index + " is not valid UTF-8 ("
                    + e.getMessage() + ")");
        }
        if (name == null || name.isEmpty()) {
            name = "t" + index;
        }
        String label = "tensor " + index + " '" + shortName(name) + "'";
        int rank = imp.length(t.shapeLength(), 4, label + " shape");
        if (rank > 8) {
            throw imp.error(label + " has rank " + rank + "; kilotrain handles tensors of rank up to 8");
        }
        int[] shape = new int[rank];
        for (int i = 0; i < rank; i++) {
            shape[i] = t.shape(i);
        }
        QuantizationParameters q = t.quantization();
        return new Header(index, name, shape, t.type(), t.buffer(), q, t.sparsityUnused() != 0);
    }

    /** The shape tensor {@code index} states (any type). */
    int[] shape(int index, String role) {
        return header(index, role).shape.clone();
    }

    private KtException error(Header h, String message) {
        return imp.error(h.label() + ": " + message);
    }

    private void checkType(Header h, byte expected, String role) {
        if (h.type == expected) {
            return;
        }
        if (h.type == TensorType.FLOAT32) {
            throw imp.error("model is float32, kilotrain needs an int8 model (" + role + " " + h.label()
                    + " is FLOAT32)");
        }
        String typeName = typeName(h.type);
        if (expected == TensorType.INT8 && h.type == TensorType.INT16) {
            throw error(h, role + " has type INT16: int16 activations (16x8 quantization) are not supported; "
                    + "kilotrain runs int8 activations");
        }
        throw error(h, role + " has type " + typeName + ", expected " + TensorType.name(expected));
    }

    static String typeName(byte type) {
        return type >= 0 && type < TensorType.names.length ? TensorType.name(type) : "" + type;
    }

    /** The element type of tensor {@code index} (checked index). */
    byte type(int index, String role) {
        return header(index, role).type;
    }

    /** "tensor 12 'name'", for messages. */
    String label(int index) {
        if (index < 0 || index >= tensorCount) {
            return "tensor " + index;
        }
        return header(index, "tensor").label();
    }

    /** A constant integer vector (int32 or int64 data, any shape read flat), e.g. paddings or axes. */
    int[] ints(int index, String role) {
        Header h = header(index, role);
        int width = h.type == TensorType.INT32 ? 4 : h.type == TensorType.INT64 ? 8 : 0;
        if (width == 0) {
            throw error(h, role + " has type " + typeName(h.type) + ", expected INT32 or INT64");
        }
        Tensor probe = newTensor(h, h.shape, kilotrain.ir.DType.INT32, null);
        ByteBuffer data = bufferBytes(h);
        if (data == null) {
            throw error(h, role + " must be a constant in the model; it is computed at run time");
        }
        if (data.remaining() != (long) probe.elements() * width) {
            throw error(h, role + " " + Arrays.toString(h.shape) + " needs " + probe.elements() * (long) width
                    + " bytes of data, its buffer has " + data.remaining());
        }
        data.order(ByteOrder.LITTLE_ENDIAN);
        int[] v = new int[probe.elements()];
        for (int i = 0; i < v.length; i++) {
            long x = width == 4 ? data.getInt() : data.getLong();
            if (x < Integer.MIN_VALUE || x > Integer.MAX_VALUE) {
                throw error(h, role + " value " + x + " at index " + i + " is out of range");
            }
            v[i] = (int) x;
        }
        return v;
    }

    /** Whether tensor {@code index} holds data in the file (a constant) rather than being computed. */
    boolean isConstant(int index, String role) {
        return bufferBytes(header(index, role)) != null;
    }

    /** A constant int8 tensor quantized per tensor, with any zero point (pad values, PRELU's alpha). */
    Tensor int8Constant(int index, String role) {
        Header h = header(index, role);
        checkType(h, TensorType.INT8, role);
        Tensor probe = newTensor(h, h.shape.length == 0 ? new int[] {1} : h.shape, kilotrain.ir.DType.INT8, null);
        ByteBuffer data = bufferBytes(h);
        if (data == null || data.remaining() != probe.elements()) {
            throw error(h, role + " must be a constant of " + probe.elements() + " bytes, its buffer has "
                    + (data == null ? 0 : data.remaining()));
        }
        Quant q = quant(h, -1, 1);
        byte[] values = new byte[probe.elements()];
        data.get(values);
        return Tensor.int8(h.name, probe.shape, q, values);
    }

    private Tensor newTensor(Header h, int[] shape, kilotrain.ir.DType dtype, Quant q) {
        try {
            return new Tensor(h.name, shape, dtype, q);
        } catch (IllegalArgumentException e) {
            throw error(h, e.getMessage());
        }
    }

    /** An int8 activation with one scale and zero point. */
    Tensor activation(int index, String role) {
        Tensor cached = activations.get(index);
        if (cached != null) {
            return cached;
        }
        Header h = header(index, role);
        checkType(h, TensorType.INT8, role);
        if (h.sparse) {
            throw error(h, "sparse tensors are not supported");
        }
        if (bufferBytes(h) != null) {
            throw error(h, role + " is a constant; kilotrain needs it to be computed by the graph");
        }
        if (h.shape.length == 0) {
            throw error(h, role + " has no shape");
        }
        Quant q = quant(h, -1, 1);
        if (!q.perTensor()) {
            throw error(h, role + " must be quantized per tensor, it has " + q.scales.length + " scales");
        }
        int z = q.zeroPoint();
        if (z < -128 || z > 127) {
            throw error(h, "zero point " + z + " is outside int8");
        }
        Tensor t = newTensor(h, h.shape, kilotrain.ir.DType.INT8, q);
        if (t.elements() > MAX_ACTIVATION_VALUES) {
            throw error(h, Arrays.toString(h.shape) + " holds more than " + MAX_ACTIVATION_VALUES + " values");
        }
        activations.put(index, t);
        return t;
    }

    /** An int8 weight of the given rank, symmetric, quantized per tensor or per channel along {@code axis}. */
    Tensor weight(int index, String op, int rank, int axis) {
        Header h = header(index, op + " weight");
        String key = "w" + index;
        Tensor cached = constants.get(key);
        if (cached != null) {
            return cached;
        }
        Tensor t = weightTensor(h, op, rank, axis, h.shape);
        constants.put(key, t);
        return t;
    }

    private Tensor weightTensor(Header h, String op, int rank, int axis, int[] shape) {
        checkType(h, TensorType.INT8, op + " weight");
        if (h.sparse) {
            throw error(h, "sparse weights are not supported");
        }
        if (h.shape.length != rank) {
            throw error(h, op + " weight must be " + rank + "-D, it is " + Arrays.toString(h.shape));
        }
        Tensor probe = newTensor(h, h.shape, kilotrain.ir.DType.INT8, null);
        Quant q = quant(h, axis, axis < h.shape.length ? h.shape[axis] : 1);
        for (int z : q.zeroPoints) {
            if (z != 0) {
                throw error(h, op + " weight zero point " + z + " is not 0; kilotrain needs symmetric weights");
            }
        }
        ByteBuffer data = bufferBytes(h);
        if (data == null || data.remaining() != probe.elements()) {
            throw error(h, op + " weight " + Arrays.toString(h.shape) + " needs " + probe.elements()
                    + " bytes of data, its buffer has " + (data == null ? 0 : data.remaining()));
        }
        byte[] values = new byte[probe.elements()];
        data.get(values);
        return Tensor.int8(h.name, shape, q, values);
    }

    /**
     * TFLite's depthwise weight {@code [1, kh, kw, cout]} (with {@code cout = cin * multiplier}) as the IR's OHWI
     * {@code [cout, kh, kw, 1]} with groups = cin; the per-channel axis moves from 3 to 0.
     */
    Tensor depthwiseWeight(int index, String op, int cin) {
        String key = "dw" + index;
        Tensor cached = constants.get(key);
        if (cached != null) {
            return cached;
        }
        Header h = header(index, op + " weight");
        if (h.shape.length != 4 || h.shape[0] != 1) {
            throw error(h, op + " depthwise weight must be [1, kh, kw, cout], it is " + Arrays.toString(h.shape));
        }
        Tensor src = weightTensor(h, op, 4, 3, h.shape);
        int kh = h.shape[1], kw = h.shape[2], cout = h.shape[3];
        if (cout % cin != 0) {
            throw error(h, op + " has " + cout + " output channels, not a multiple of its " + cin + " inputs");
        }
        byte[] in = src.int8Data;
        byte[] out = new byte[in.length];
        int taps = kh * kw;
        for (int p = 0; p < taps; p++) {
            for (int c = 0; c < cout; c++) {
                out[c * taps + p] = in[p * cout + c];
            }
        }
        Quant q = src.quant.perTensor() ? src.quant : Quant.perAxis(src.quant.scalesDouble, src.quant.zeroPoints, 0);
        Tensor t = Tensor.int8(h.name, new int[] {cout, kh, kw, 1}, q, out);
        constants.put(key, t);
        return t;
    }

    /** An int32 bias; its scale is implied by input and weight scales, so the IR keeps no quantization for it. */
    Tensor bias(int index, String op) {
        String key = "b" + index;
        Tensor cached = constants.get(key);
        if (cached != null) {
            return cached;
        }
        Header h = header(index, op + " bias");
        checkType(h, TensorType.INT32, op + " bias");
        Tensor probe = newTensor(h, h.shape, kilotrain.ir.DType.INT32, null);
        ByteBuffer data = bufferBytes(h);
        if (data == null || data.remaining() != (long) probe.elements() * 4) {
            throw error(h, op + " bias " + Arrays.toString(h.shape) + " needs " + probe.elements() * 4L
                    + " bytes of data, its buffer has " + (data == null ? 0 : data.remaining()));
        }
        int[] values = new int[probe.elements()];
        data.order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(values);
        Tensor t = Tensor.int32(h.name, h.shape, null, values);
        constants.put(key, t);
        return t;
    }

    /**
     * The tensor's data bytes, or null when it has none. The slice is bounds-checked against the file, so its
     * length can be trusted for sizing arrays.
     */
    private ByteBuffer bufferBytes(Header h) {
        long index = h.buffer;
        if (index == 0) {
            return null;
        }
        if (index >= bufferCount) {
            throw error(h, "buffer index " + index + " is outside the " + bufferCount + " buffers");
        }
        Buffer b = model.buffers(new Buffer(), (int) index);
        long offset = b.offset();
        if (offset > 1) {
            // Models over 2 GB keep data outside the flatbuffer at a file offset; honour it if it is in range.
            long size = b.size();
            if (offset < 0 || size < 0 || offset > bytes.length || size > bytes.length - offset) {
                throw error(h, "buffer " + index + " points at bytes " + Long.toUnsignedString(offset) + "+"
                        + Long.toUnsignedString(size) + ", outside the " + bytes.length + "-byte file");
            }
            return size == 0 ? null : ByteBuffer.wrap(bytes, (int) offset, (int) size).slice();
        }
        ByteBuffer data = b.dataAsByteBuffer();
        if (data == null || data.remaining() == 0) {
            return null;
        }
        return data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private Quant quant(Header h, int axis, int axisSize) {
        QuantizationParameters p = h.quant;
        int n = p == null ? 0 : imp.length(p.scaleLength(), 4, h.label() + " scale list");
        if (n == 0) {
            throw error(h, "has no quantization parameters; kilotrain needs a fully int8-quantized model");
        }
        if (p.detailsType() != 0) {
            throw error(h, "uses custom quantization, which is not supported");
        }
        int nz = imp.length(p.zeroPointLength(), 8, h.label() + " zero point list");
        if (nz != n) {
            throw error(h, "has " + n + " scales but " + nz + " zero points");
        }
        double[] scales = new double[n];
        int[] zeros = new int[n];
        for (int i = 0; i < n; i++) {
            float s = p.scale(i);
            if (!(s > 0f) || Float.isInfinite(s)) {
                throw error(h, "scale " + s + " is not a positive finite number");
            }
            long z = p.zeroPoint(i);
            if (z < Integer.MIN_VALUE || z > Integer.MAX_VALUE) {
                throw error(h, "zero point " + z + " is out of range");
            }
            scales[i] = s;
            zeros[i] = (int) z;
        }
        if (n == 1) {
            return Quant.perTensor(scales[0], zeros[0]);
        }
        if (axis < 0) {
            throw error(h, "has " + n + " scales where one per tensor is needed");
        }
        if (p.quantizedDimension() != axis || n != axisSize) {
            throw error(h, "has " + n + " scales along dimension " + p.quantizedDimension() + "; expected "
                    + axisSize + " along dimension " + axis);
        }
        return Quant.perAxis(scales, zeros, axis);
    }

    /**
     * The fused activation as a clamp in the output's quantized domain, as TFLite's
     * CalculateActivationRangeQuantized computes it.
     */
    int[] activationRange(int act, Tensor out, String op) {
        float scale = out.quant.scale();
        int zero = out.quant.zeroPoint();
        int lo = -128, hi = 127;
        switch (act) {
            case ActivationFunctionType.NONE -> {
            }
            case ActivationFunctionType.RELU -> lo = Math.max(lo, quantize(0f, scale, zero));
            case ActivationFunctionType.RELU6 -> {
                lo = Math.max(lo, quantize(0f, scale, zero));
                hi = Math.min(hi, quantize(6f, scale, zero));
            }
            case ActivationFunctionType.RELU_N1_TO_1 -> {
                lo = Math.max(lo, quantize(-1f, scale, zero));
                hi = Math.min(hi, quantize(1f, scale, zero));
            }
            default -> throw imp.error(op + ": fused activation "
                    + (act >= 0 && act < ActivationFunctionType.names.length ? ActivationFunctionType.name(act)
                            : "" + act) + " is not supported");
        }
        if (lo > hi) {
            throw imp.error(op + ": fused activation leaves the empty output range [" + lo + ", " + hi + "]");
        }
        return new int[] {lo, hi};
    }

    private static int quantize(float f, float scale, int zero) {
        float r = f / scale;
        long q = zero + (long) Math.signum(r) * (long) Math.floor(Math.abs(r) + 0.5);
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, q));
    }

    /**
     * Per-channel TFLite fixed-point requantization: {@code s_x * s_w[c] / s_y} in double from the float32 scales,
     * then TFLite's QuantizeMultiplier. Scales whose multiplier would need a shift past 30 are refused here, as
     * TFLite refuses them, rather than saturated.
     */
    Requant.FixedPoint requant(Tensor x, Tensor w, Tensor y, String op) {
        int n = w.quant.scales.length;
        int[] mult = new int[n];
        int[] shift = new int[n];
        double sx = x.quant.scale(), sy = y.quant.scale();
        for (int c = 0; c < n; c++) {
            double eff = sx * (double) w.quant.scales[c] / sy;
            if (!(eff < 0x1p29)) {
                throw imp.error(op + ": effective scale " + eff + " of channel " + c
                        + " is too large for a fixed-point multiplier");
            }
            FixedPointMath.Multiplier m = FixedPointMath.quantizeMultiplier(eff);
            mult[c] = m.multiplier();
            shift[c] = m.shift();
        }
        return new Requant.FixedPoint(mult, shift);
    }

    /** Op names follow the TFLite output tensor's name, which converters derive from the Keras layer. */
    String opName(int outIndex, int opIndex) {
        Tensor t = activations.get(outIndex);
        return t != null ? t.name : "op" + opIndex;
    }
}
