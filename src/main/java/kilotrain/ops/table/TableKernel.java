package kilotrain.ops.table;

/** The Java kernels of table operators (C: {@code kt_table.c}). */
public final class TableKernel {
    private TableKernel() {
    }

    /** {@code y[i] = t[x[i] & 0xff]}; y may be x. */
    public static void forward(byte[] t, byte[] x, int xOff, byte[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] = t[x[xOff + i] & 0xff];
        }
    }

    /** {@code gx[i] = gy[i] * d[x[i] & 0xff]}, or {@code gx[i] + gy[i] * d[..]} when {@code acc}; gx may be gy. */
    public static void backward(float[] d, byte[] x, int xOff, float[] gy, float[] gx, int n, boolean acc) {
        if (acc) {
            for (int i = 0; i < n; i++) {
                gx[i] = gx[i] + gy[i] * d[x[xOff + i] & 0xff];
            }
        } else {
            for (int i = 0; i < n; i++) {
                gx[i] = gy[i] * d[x[xOff + i] & 0xff];
            }
        }
    }
}
