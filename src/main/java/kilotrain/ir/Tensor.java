package kilotrain.ir;

import java.util.Arrays;

/**
 * A tensor of the graph. Activations are NHWC with N = 1 (the device runs one sample at a time); convolution
 * weights are OHWI ({@code [out, kh, kw, in / groups]}); fully connected weights are {@code [out, in]}.
 * Constant tensors (weights, biases) carry their data in exactly one of the typed arrays.
 */
public final class Tensor {
    public final String name;
    public final int[] shape;
    public final DType dtype;
    /** Null for unquantized tensors (float32, or int32 biases whose scale is implied). */
    public final Quant quant;
    public byte[] int8Data;
    public int[] int32Data;
    public float[] floatData;

    public Tensor(String name, int[] shape, DType dtype, Quant quant) {
        for (int d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a non-positive dimension: "
                        + Arrays.toString(shape));
            }
        }
        long n = 1;
        for (int d : shape) {
            n *= d;
            if (n > Integer.MAX_VALUE / 4) {
                throw new IllegalArgumentException("tensor '" + name + "' is too large: " + Arrays.toString(shape));
            }
        }
        this.name = name;
        this.shape = shape.clone();
        this.dtype = dtype;
        this.quant = quant;
    }

    public static Tensor int8(String name, int[] shape, Quant quant, byte[] data) {
        Tensor t = new Tensor(name, shape, DType.INT8, quant);
        t.int8Data = data;
        t.checkDataLength(data == null ? -1 : data.length);
        return t;
    }

    public static Tensor int32(String name, int[] shape, Quant quant, int[] data) {
        Tensor t = new Tensor(name, shape, DType.INT32, quant);
        t.int32Data = data;
        t.checkDataLength(data == null ? -1 : data.length);
        return t;
    }

    private void checkDataLength(int length) {
        if (length >= 0 && length != elements()) {
            throw new IllegalArgumentException("tensor '" + name + "' " + Arrays.toString(shape) + " needs "
                    + elements() + " values, its data has " + length);
        }
    }

    public int elements() {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    public int bytes() {
        return elements() * dtype.bytes;
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    public boolean isConstant() {
        return int8Data != null || int32Data != null || floatData != null;
    }

    /** NHWC helpers for 4-D activations. */
    public int height() {
        return shape[1];
    }

    public int width() {
        return shape[2];
    }

    public int channels() {
        return shape[shape.length - 1];
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + ":" + dtype + (quant == null ? "" : " " + quant);
    }
}
