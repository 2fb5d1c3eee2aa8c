package kilotrain.ops.concat;

import java.util.Arrays;
import java.util.List;

import kilotrain.ops.tflite.schema.ActivationFunctionType;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.ConcatenationOptions;
import kilotrain.ir.Tensor;
import kilotrain.ops.Binder;
import kilotrain.ops.Forward;
import kilotrain.ops.ForwardOp;
import kilotrain.ops.TfliteOperator;
import kilotrain.ops.TfliteOptions;

/**
 * CONCATENATION of int8 tensors along one axis. TFLite's int8 kernel copies bytes, so every input must be quantized
 * like the output (TFLite Micro refuses other models; converters insert a requantization before the concat). An input
 * may be a model constant (its int8 data, a learned token or a fixed feature block): it is copied from flash.
 */
public final class Concatenation extends ForwardOp {
    /** CONCATENATION's options, written again by the TFLite export. */
    public static final TfliteOptions OPTIONS = TfliteOptions.of(BuiltinOptions.ConcatenationOptions, ConcatenationOptions::new,
            (o, fb) -> ConcatenationOptions.createConcatenationOptions(fb, o.axis(), o.fusedActivationFunction()));

    public final List<Tensor> parts;
    public final Tensor output;
    public final int axis;

    public Concatenation(String name, List<Tensor> parts, Tensor output, int axis) {
        super(name);
        this.parts = List.copyOf(parts);
        this.output = output;
        this.axis = axis;
        int rank = output.rank();
        if (parts.isEmpty() || axis < 0 || axis >= rank) {
            throw new IllegalArgumentException("Concatenation '" + name + "': axis " + axis + " of rank " + rank
                    + " with " + parts.size() + " inputs");
        }
        int sum = 0;
        for (Tensor t : parts) {
            if (t.rank() != rank) {
                throw new IllegalArgumentException("Concatenation '" + name + "': input " + t + " is not of rank "
                        + rank);
            }
            for (int d = 0; d < rank; d++) {
                if (d != axis && t.dim(d) != output.dim(d)) {
                    throw new IllegalArgumentException("Concatenation '" + name + "': input "
                            + Arrays.toString(t.shape) + " does not fit the output " + Arrays.toString(output.shape)
                            + " outside axis " + axis);
                }
            }
            if (!t.quant.equals(output.quant)) {
                throw new IllegalArgumentException("Concatenation '" + name + "': input '" + t.name + "' " + t.quant
                        + " is not quantized like the output " + output.quant + " (TFLite's int8 kernel copies bytes)");
            }
            sum += t.dim(axis);
        }
        if (sum != output.dim(axis)) {
            throw new IllegalArgumentException("Concatenation '" + name + "': inputs add up to " + sum
                    + " along axis " + axis + ", the output has " + output.dim(axis));
        }
    }

    public static Concatenation read(TfliteOperator op) {
        int n = op.arity(1, 1 << 16);
        ConcatenationOptions o = op.options(BuiltinOptions.ConcatenationOptions, new ConcatenationOptions());
        if (o.fusedActivationFunction() != ActivationFunctionType.NONE) {
            throw op.error("a fused activation on CONCATENATION is not supported");
        }
        Tensor y = op.output();
        Tensor[] parts = new Tensor[n];
        for (int i = 0; i < n; i++) {
            parts[i] = op.operand(i);
        }
        int axis = o.axis() < 0 ? o.axis() + y.rank() : o.axis();
        return new Concatenation(op.name(), List.of(parts), y, axis);
    }

    @Override
    public List<Tensor> inputs() {
        return parts;
    }

    @Override
    public Tensor output() {
        return output;
    }

    @Override
    public String kind() {
        return "Concatenation";
    }

    @Override
    public long macs() {
        return 0;
    }

    /** Positions of the dimensions before the axis: the rows every part contributes one block to. */
    public int outer() {
        int outer = 1;
        for (int d = 0; d < axis; d++) {
            outer *= output.dim(d);
        }
        return outer;
    }

    /** Elements of part i's block in each row ({@code dim(axis) * inner}). */
    public int block(int i) {
        int inner = 1;
        for (int d = axis + 1; d < output.rank(); d++) {
            inner *= output.dim(d);
        }
        return parts.get(i).dim(axis) * inner;
    }

    /** Where part i's block starts within each output row. */
    public int blockStart(int i) {
        int o = 0;
        for (int k = 0; k < i; k++) {
            o += block(k);
        }
        return o;
    }

    /** Copies part i's blocks into the output ({@code y} rows of {@code row} elements; the C kernel is the same). */
    public static void put(byte[] x, int xOff, byte[] y, int yOff, int outer, int block, int row, int start) {
        for (int k = 0; k < outer; k++) {
            System.arraycopy(x, xOff + k * block, y, yOff + k * row + start, block);
        }
    }

    /** Part i's gradient: its blocks of {@code gy}, copied or added onto {@code gx} ({@code acc}). */
    public static void grad(float[] gy, float[] gx, int outer, int block, int row, int start, boolean acc) {
        for (int k = 0; k < outer; k++) {
            for (int j = 0; j < block; j++) {
                float g = gy[k * row + start + j];
                gx[k * block + j] = acc ? gx[k * block + j] + g : g;
            }
        }
    }

    @Override
    public Forward bind(Binder b) {
        int n = parts.size(), outer = outer(), row = output.elements() / Math.max(1, outer);
        int[] slots = new int[n], block = new int[n], start = new int[n];
        byte[][] constant = new byte[n][];
        for (int i = 0; i < n; i++) {
            Tensor t = parts.get(i);
            constant[i] = t.isConstant() ? t.int8Data : null;
            slots[i] = t.isConstant() ? -1 : b.slot(t);
            block[i] = block(i);
            start[i] = blockStart(i);
        }
        int out = b.slot(output);
        return (s, sc) -> {
            for (int i = 0; i < n; i++) {
                put(constant[i] != null ? constant[i] : s[slots[i]], 0, s[out], 0, outer, block[i], row, start[i]);
            }
        };
    }
}
