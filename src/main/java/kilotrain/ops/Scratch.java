package kilotrain.ops;

/**
 * Per-thread working memory of the forward kernels, sized once for a whole graph so no kernel allocates per call.
 * The arrays are separate objects on purpose: the JIT vectorizes a multiply-add loop only when its loads come from
 * different arrays (or one offset per array), which is why gathered inputs are rows of their own.
 */
public final class Scratch {
    /** Accumulators. */
    public final int[] acc;
    /** Zero-point-shifted (padded) input. */
    public final int[] in;
    /** Channel-major rows of a gathered input tile: {@code rows[k][pixel]}. */
    public final int[][] rows;
    public final double[] doubles;

    public Scratch(int accInts, int inInts, int rowCount, int rowInts, int doubleCount) {
        this.acc = new int[Math.max(1, accInts)];
        this.in = new int[Math.max(1, inInts)];
        this.rows = new int[rowCount][Math.max(1, rowInts)];
        this.doubles = new double[Math.max(1, doubleCount)];
    }

    /** Running maxima of what the kernels of one graph need. */
    public static final class Sizer {
        private int acc, in, rowCount, rowInts, doubles;

        public Sizer acc(int n) {
            acc = Math.max(acc, n);
            return this;
        }

        public Sizer in(int n) {
            in = Math.max(in, n);
            return this;
        }

        public Sizer rows(int count, int ints) {
            rowCount = Math.max(rowCount, count);
            rowInts = Math.max(rowInts, ints);
            return this;
        }

        public Sizer doubles(int n) {
            doubles = Math.max(doubles, n);
            return this;
        }

        public Scratch allocate() {
            return new Scratch(acc, in, rowCount, rowInts, doubles);
        }
    }
}
