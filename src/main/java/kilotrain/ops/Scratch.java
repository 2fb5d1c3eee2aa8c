package kilotrain.ops;

/**
 * Per-thread working memory of the forward kernels, sized once for a whole graph so no kernel allocates per call.
 * The arrays are separate objects on purpose: HotSpot's C2 (JDK 17) vectorizes a multiply-add loop well only when
 * the stored array is indexed from zero and each loaded array carries at most one offset (measured: 3-4x slower
 * otherwise), which is why accumulators, gathered inputs and padded input rows are arrays of their own.
 */
public final class Scratch {
    /** Accumulators. */
    public final int[] acc;
    /** Accumulator rows, one array per output channel: {@code accRows[o][pixel]}. */
    public final int[][] accRows;
    /** Rows of a padded input: {@code inRows[y][x * c + ch]}. */
    public final int[][] inRows;
    /** Zero-point-shifted (padded) input. */
    public final int[] in;
    /** Channel-major rows of a gathered input tile: {@code rows[k][pixel]}. */
    public final int[][] rows;
    public final double[] doubles;

    public Scratch(int accInts, int inInts, int rowCount, int rowInts, int doubleCount) {
        this(accInts, inInts, rowCount, rowInts, 0, 0, 0, 0, doubleCount);
    }

    public Scratch(int accInts, int inInts, int rowCount, int rowInts, int accRowCount, int accRowInts,
            int inRowCount, int inRowInts, int doubleCount) {
        this.acc = new int[Math.max(1, accInts)];
        this.accRows = new int[accRowCount][Math.max(1, accRowInts)];
        this.inRows = new int[inRowCount][Math.max(1, inRowInts)];
        this.in = new int[Math.max(1, inInts)];
        this.rows = new int[rowCount][Math.max(1, rowInts)];
        this.doubles = new double[Math.max(1, doubleCount)];
    }

    /** Running maxima of what the kernels of one graph need. */
    public static final class Sizer {
        private int acc, in, rowCount, rowInts, accRowCount, accRowInts, inRowCount, inRowInts, doubles;

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

        public Sizer accRows(int count, int ints) {
            accRowCount = Math.max(accRowCount, count);
            accRowInts = Math.max(accRowInts, ints);
            return this;
        }

        public Sizer inRows(int count, int ints) {
            inRowCount = Math.max(inRowCount, count);
            inRowInts = Math.max(inRowInts, ints);
            return this;
        }

        public Sizer doubles(int n) {
            doubles = Math.max(doubles, n);
            return this;
        }

        public Scratch allocate() {
            return new Scratch(acc, in, rowCount, rowInts, accRowCount, accRowInts, inRowCount, inRowInts, doubles);
        }
    }
}
