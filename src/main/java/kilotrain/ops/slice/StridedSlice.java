package kilotrain.ops.slice;

import java.util.Arrays;

import kilotrain.ir.Tensor;
import kilotrain.ops.Binder;
import kilotrain.ops.Forward;
import kilotrain.ops.OneInputOp;
import kilotrain.ops.gather.GatherKernel;
import kilotrain.ops.gather.GatherSpec;
import kilotrain.ops.gather.Gathering;
import kilotrain.ops.StridedIndex;
import kilotrain.ops.TfliteOperator;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.StridedSliceOptions;
import kilotrain.ops.TfliteOptions;

/**
 * STRIDED_SLICE with constant begin, end and strides of up to 5 dimensions, begin/end masks and shrink_axis_mask, as
 * TFLite's reference kernel resolves them (negative indices count from the end, then clamp; a masked begin or end
 * takes the whole range; a shrunk axis takes one element). Ellipsis and new-axis masks are refused. Bytes are copied.
 */
public final class StridedSlice extends OneInputOp implements Gathering {
    /** STRIDED_SLICE's options, written again by the TFLite export. */
    public static final TfliteOptions OPTIONS = TfliteOptions.of(BuiltinOptions.StridedSliceOptions, StridedSliceOptions::new,
            (o, fb) -> StridedSliceOptions.createStridedSliceOptions(fb, o.beginMask(), o.endMask(),
                    o.ellipsisMask(), o.newAxisMask(), o.shrinkAxisMask(), o.offset()));

    /** Per input dimension: the first index, the stop (exclusive) and the stride, resolved. */
    public final int[] start, stop, stride;

    public StridedSlice(String name, Tensor input, Tensor output, int[] start, int[] stop, int[] stride) {
        super(name, input, output);
        this.start = start.clone();
        this.stop = stop.clone();
        this.stride = stride.clone();
        long count = 1;
        for (int d = 0; d < input.rank(); d++) {
            count *= length(d);
        }
        if (input.rank() > 5 || count != output.elements()) {
            throw new IllegalArgumentException("StridedSlice '" + name + "': slicing " + Arrays.toString(input.shape)
                    + " from " + Arrays.toString(start) + " to " + Arrays.toString(stop) + " by "
                    + Arrays.toString(stride) + " gives " + count + " values, the output " + Arrays.toString(output.shape)
                    + " holds " + output.elements());
        }
    }

    int length(int d) {
        int n = stride[d] > 0 ? (stop[d] - start[d] + stride[d] - 1) / stride[d]
                : (start[d] - stop[d] - stride[d] - 1) / -stride[d];
        return Math.max(0, n);
    }

    public static StridedSlice read(TfliteOperator op) {
        op.arity(4, 4);
        Tensor x = op.input(0), y = op.output();
        int rank = x.rank();
        int[] begin = op.ints(1, "begin"), end = op.ints(2, "end"), strides = op.ints(3, "strides");
        if (begin.length != rank || end.length != rank || strides.length != rank) {
            throw op.error("begin, end and strides must each have " + rank + " values (the input's rank)");
        }
        StridedSliceOptions o = op.options(BuiltinOptions.StridedSliceOptions, new StridedSliceOptions());
        if (o.ellipsisMask() != 0 || o.newAxisMask() != 0 || o.offset()) {
            throw op.error("ellipsis_mask, new_axis_mask and offset are not supported");
        }
        int[] start = new int[rank], stop = new int[rank];
        for (int d = 0; d < rank; d++) {
            int size = x.dim(d), s = strides[d];
            if (s == 0) {
                throw op.error("stride 0 on dimension " + d);
            }
            int b = begin[d] < 0 ? begin[d] + size : begin[d];
            b = s > 0 ? clamp(b, 0, size) : clamp(b, -1, size - 1);
            if ((o.beginMask() & 1 << d) != 0) {
                b = s > 0 ? 0 : size - 1;
            }
            int e;
            if ((o.shrinkAxisMask() & 1 << d) != 0) {
                e = b >= size ? b : b + 1;
            } else {
                e = end[d] < 0 ? end[d] + size : end[d];
                e = s > 0 ? clamp(e, 0, size) : clamp(e, -1, size - 1);
                if ((o.endMask() & 1 << d) != 0) {
                    e = s > 0 ? size : -1;
                }
            }
            start[d] = b;
            stop[d] = e;
        }
        return new StridedSlice(op.name(), x, y, start, stop, strides);
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    @Override
    public String kind() {
        return "StridedSlice";
    }

    /** Input dimension d is walked from {@code start[d]} by {@code stride[d]} (negative strides walk backwards). */
    @Override
    public GatherSpec gather() {
        int rank = input.rank();
        int[] inStride = StridedIndex.strides(input.shape), len = new int[rank];
        int[][] off = new int[rank][];
        for (int d = 0; d < rank; d++) {
            len[d] = length(d);
            off[d] = GatherSpec.affine(len[d], start[d] * inStride[d], stride[d] * inStride[d]);
        }
        return new GatherSpec(len, off, (byte) 0, input.elements());
    }

    @Override
    public Forward bind(Binder b) {
        return GatherKernel.bind(this, gather(), b);
    }
}
