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

/**
 * CONCATENATION of int8 tensors along one axis. TFLite's int8 kernel copies bytes, so every input must be quantized
 * like the output (TFLite Micro refuses other models; converters insert a requantization before the concat).
 */
public final class Concatenation extends ForwardOp {
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
            parts[i] = op.input(i);
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

    @Override
    public Forward bind(Binder b) {
        int n = parts.size();
        int[] slots = new int[n], rows = new int[n];
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) {
            outer *= output.dim(d);
        }
        for (int d = axis + 1; d < output.rank(); d++) {
            inner *= output.dim(d);
        }
        for (int i = 0; i < n; i++) {
            slots[i] = b.slot(parts.get(i));
            rows[i] = parts.get(i).dim(axis) * inner;
        }
        int out = b.slot(output), outerCount = outer;
        return (s, sc) -> {
            byte[] y = s[out];
            int o = 0;
            for (int k = 0; k < outerCount; k++) {
                for (int i = 0; i < n; i++) {
                    System.arraycopy(s[slots[i]], k * rows[i], y, o, rows[i]);
                    o += rows[i];
                }
            }
        };
    }
}
