package kilotrain.ops.gather;

import java.util.Arrays;

/**
 * A data-movement operator as a separable gather: the output is walked in row-major order over {@code dims} (rank
 * 1 to {@link #MAX_RANK}), and output element {@code (i_0, ..., i_r-1)} is input element
 * {@code sum_d off[d][i_d]}, or {@code fill} when any {@code off[d][i_d]} is negative (padding). Transposition
 * (permuted strides), slicing (scaled and negative strides), padding (negative offsets outside the input) and
 * nearest-neighbour resizing (repeated offsets) are all one such table of {@code sum(dims)} offsets.
 */
public record GatherSpec(int[] dims, int[][] off, byte fill, int inElements) {
    public static final int MAX_RANK = 6;

    public GatherSpec {
        if (dims.length < 1 || dims.length > MAX_RANK || off.length != dims.length) {
            throw new IllegalArgumentException("gather of rank " + dims.length + " (1.." + MAX_RANK + ")");
        }
        for (int d = 0; d < dims.length; d++) {
            if (off[d].length != dims[d]) {
                throw new IllegalArgumentException("gather dimension " + d + ": " + off[d].length + " offsets for "
                        + dims[d] + " positions");
            }
        }
    }

    /** Output elements. */
    public int elements() {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }

    /** Positions of the outer dimensions (all but the last): the rows of the walk. */
    public int outer() {
        int n = 1;
        for (int d = 0; d < dims.length - 1; d++) {
            n *= dims[d];
        }
        return n;
    }

    /** The offsets of every dimension, one after the other (the C table's array). */
    public int[] flatOffsets() {
        return Arrays.stream(off).flatMapToInt(Arrays::stream).toArray();
    }

    /** Offsets {@code start + i * step} for {@code i < n} along one dimension. */
    public static int[] affine(int n, int start, int step) {
        int[] o = new int[n];
        for (int i = 0; i < n; i++) {
            o[i] = start + i * step;
        }
        return o;
    }
}
