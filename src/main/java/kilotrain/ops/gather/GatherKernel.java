package kilotrain.ops.gather;

/**
 * The gather's Java kernels (C: {@code kt_gather.c}, the same walk). Forward: row-major over the output, the outer
 * dimensions' offsets summed once per innermost row. Backward: {@code g_x[src(i)] += g_y[i]} over output elements i
 * ascending (padding skipped), into {@code g_x} cleared to +0.0f first unless accumulating into another consumer's
 * gradient; a source read by several outputs (nearest-neighbour upsampling) sums them in that order.
 */
public final class GatherKernel {
    private GatherKernel() {
    }

    /** The inference binding of a gathering operator (offsets 0 in the executor's slots). */
    public static kilotrain.ops.Forward bind(kilotrain.ops.OneInputOp op, GatherSpec g, kilotrain.ops.Binder b) {
        int in = b.slot(op.input), out = b.slot(op.output);
        return (s, sc) -> forward(g, s[in], 0, s[out], 0);
    }

    public static void forward(GatherSpec g, byte[] x, int xOff, byte[] y, int yOff) {
        int[] dims = g.dims();
        int[][] off = g.off();
        int r = dims.length, inner = dims[r - 1];
        int[] last = off[r - 1];
        int outer = g.outer();
        int[] idx = new int[r];
        byte fill = g.fill();
        int o = yOff;
        for (int k = 0; k < outer; k++) {
            int base = rowBase(off, idx, r);
            if (base < 0) {
                java.util.Arrays.fill(y, o, o + inner, fill);
            } else {
                for (int j = 0; j < inner; j++) {
                    int v = last[j];
                    y[o + j] = v < 0 ? fill : x[xOff + base + v];
                }
            }
            o += inner;
            next(idx, dims, r - 2);
        }
    }

    public static void backward(GatherSpec g, float[] gy, float[] gx, boolean acc) {
        if (!acc) {
            java.util.Arrays.fill(gx, 0, g.inElements(), 0.0f);
        }
        int[] dims = g.dims();
        int[][] off = g.off();
        int r = dims.length, inner = dims[r - 1];
        int[] last = off[r - 1];
        int outer = g.outer();
        int[] idx = new int[r];
        int o = 0;
        for (int k = 0; k < outer; k++) {
            int base = rowBase(off, idx, r);
            if (base >= 0) {
                for (int j = 0; j < inner; j++) {
                    int v = last[j];
                    if (v >= 0) {
                        gx[base + v] = gx[base + v] + gy[o + j];
                    }
                }
            }
            o += inner;
            next(idx, dims, r - 2);
        }
    }

    /** The input offset of the current row (the outer dimensions' offsets summed), or -1 when it is padding. */
    private static int rowBase(int[][] off, int[] idx, int r) {
        int base = 0;
        for (int d = 0; d < r - 1; d++) {
            int v = off[d][idx[d]];
            if (v < 0) {
                return -1;
            }
            base += v;
        }
        return base;
    }

    private static void next(int[] idx, int[] dims, int from) {
        for (int d = from; d >= 0; d--) {
            if (++idx[d] < dims[d]) {
                return;
            }
            idx[d] = 0;
        }
    }
}
