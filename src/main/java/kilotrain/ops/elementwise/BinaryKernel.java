package kilotrain.ops.elementwise;

import java.util.Arrays;

/**
 * The Java kernels of MUL, SUB and broadcasting ADD in the training step (C twins {@code kt_binary_fwd},
 * {@code kt_binary_bwd} in {@code kt_elementwise.c}). Forward: {@link Binary}'s reference arithmetic per output
 * element, with the clamp mask (bit i set where the unclamped output lies in [actMin, actMax]). Backward, per output
 * element i in ascending order, with {@code pass} its mask bit: ADD {@code t_a = pass ? g * r_a : +0},
 * {@code t_b = pass ? g * r_b : +0} ({@code r = (float)(s / s_y)}); SUB the same with {@code r_b = (float)(-s_b / s_y)};
 * MUL {@code t_a = pass ? (g * (float)(b - z_b)) * r : +0}, {@code t_b = pass ? (g * (float)(a - z_a)) * r : +0}
 * ({@code r = (float)(s_a s_b / s_y)}). An operand of the output's shape takes {@code t} at i (added to its gradient
 * when accumulating); a broadcast one sums the terms of the outputs it fed, {@code R[j] = R[j] + t_i} from
 * {@code R = +0} in ascending i, then (accumulating) {@code g[j] = g[j] + R[j]}. The gradient of a first, then b.
 */
public final class BinaryKernel {
    final Binary op;
    final int n, na, nb;
    /** Per output element the operand's index, or null when the operand has the output's shape. */
    final int[] ia, ib;
    final float ra, rb;

    public BinaryKernel(Binary op) {
        this.op = op;
        n = op.output.elements();
        na = op.a.elements();
        nb = op.b.elements();
        ia = Binary.indexMap(op.a.shape, op.output.shape);
        ib = Binary.indexMap(op.b.shape, op.output.shape);
        float[] r = ratios(op);
        ra = r[0];
        rb = r[1];
    }

    /** The backward's float32 constants, made once in double on the host: [r_a, r_b] (MUL: [r, r]). */
    static float[] ratios(Binary op) {
        double sa = op.a.quant.scaleDouble(), sb = op.b.quant.scaleDouble(), sy = op.output.quant.scaleDouble();
        return switch (op.kind) {
            case ADD -> new float[] {(float) (sa / sy), (float) (sb / sy)};
            case SUB -> new float[] {(float) (sa / sy), (float) (-(sb / sy))};
            case MUL -> new float[] {(float) (sa * sb / sy), (float) (sa * sb / sy)};
        };
    }

    public void forward(byte[] a, int aOff, byte[] b, int bOff, byte[] y, int yOff, byte[] mask, int mOff) {
        if (mask != null) {
            Arrays.fill(mask, mOff, mOff + (n + 7) / 8, (byte) 0);
        }
        for (int i = 0; i < n; i++) {
            int u = op.unclamped(a[aOff + (ia == null ? i : ia[i])], b[bOff + (ib == null ? i : ib[i])]);
            boolean inside = u >= op.actMin && u <= op.actMax;
            y[yOff + i] = (byte) (u < op.actMin ? op.actMin : Math.min(u, op.actMax));
            if (mask != null && inside) {
                mask[mOff + (i >>> 3)] |= (byte) (1 << (i & 7));
            }
        }
    }

    /**
     * The gradient of operand a ({@code second} false) or b: {@code other} holds the other operand's bytes (read by
     * MUL only), {@code tmp} at least the operand's size of scratch for an accumulated broadcast sum.
     */
    public void backward(boolean second, float[] gY, byte[] mask, int mOff, byte[] other, int oOff, float[] g,
            boolean acc, float[] tmp) {
        int[] own = second ? ib : ia, oth = second ? ia : ib;
        int nx = second ? nb : na, zo = second ? op.za : op.zb;
        float r = second ? rb : ra;
        boolean mul = op.kind == Binary.Kind.MUL;
        float[] sum = own == null ? null : acc ? tmp : g;
        if (sum != null) {
            Arrays.fill(sum, 0, nx, 0.0f);
        }
        for (int i = 0; i < n; i++) {
            float t = 0.0f;
            if (((mask[mOff + (i >>> 3)] >>> (i & 7)) & 1) != 0) {
                t = mul ? (gY[i] * (float) (other[oOff + (oth == null ? i : oth[i])] - zo)) * r : gY[i] * r;
            }
            if (sum != null) {
                sum[own[i]] = sum[own[i]] + t;
            } else {
                g[i] = acc ? g[i] + t : t;
            }
        }
        if (sum != null && acc) {
            for (int j = 0; j < nx; j++) {
                g[j] = g[j] + sum[j];
            }
        }
    }
}
