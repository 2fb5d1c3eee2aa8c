package kilotrain.ops;

/** The index walks of the data-movement operators (broadcasting, transposition, strided slicing). */
public final class StridedIndex {
    private StridedIndex() {
    }

    /**
     * For each position of a row-major walk over {@code dims}, the source index {@code start + sum(i_d * steps[d])}.
     * A step of 0 repeats a source dimension (broadcasting); permuted steps transpose; scaled steps slice.
     */
    public static int[] map(int[] dims, int start, int[] steps) {
        int rank = dims.length, n = 1;
        for (int d : dims) {
            n *= d;
        }
        int[] map = new int[n];
        int[] idx = new int[rank];
        int src = start;
        for (int i = 0; i < n; i++) {
            map[i] = src;
            for (int d = rank - 1; d >= 0; d--) {
                idx[d]++;
                src += steps[d];
                if (idx[d] < dims[d]) {
                    break;
                }
                src -= steps[d] * idx[d];
                idx[d] = 0;
            }
        }
        return map;
    }

    /** Row-major strides of a shape. */
    public static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int stride = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            s[d] = stride;
            stride *= shape[d];
        }
        return s;
    }
}
