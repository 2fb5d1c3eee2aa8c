package kilotrain.ops.resize;

import java.util.Arrays;

import kilotrain.ir.Tensor;
import kilotrain.ops.Binder;
import kilotrain.ops.Forward;
import kilotrain.ops.OneInputOp;
import kilotrain.ops.TfliteOperator;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.ResizeNearestNeighborOptions;

/**
 * RESIZE_NEAREST_NEIGHBOR of an NHWC int8 tensor to the output's height and width, with TFLite's source-index rule in
 * float32: {@code scale = in / out} (or {@code (in - 1) / (out - 1)} with align_corners), then {@code floor} (or round
 * half away from zero with align_corners) of {@code (i + offset) * scale}, offset 0.5 with half_pixel_centers,
 * clamped to the input. Bytes are copied.
 */
public final class ResizeNearestNeighbor extends OneInputOp {
    public final boolean alignCorners, halfPixelCenters;

    public ResizeNearestNeighbor(String name, Tensor input, Tensor output, boolean alignCorners,
            boolean halfPixelCenters) {
        super(name, input, output);
        this.alignCorners = alignCorners;
        this.halfPixelCenters = halfPixelCenters;
        if (input.rank() != 4 || output.rank() != 4 || input.dim(0) != output.dim(0)
                || input.channels() != output.channels()) {
            throw new IllegalArgumentException("ResizeNearestNeighbor '" + name + "': expects NHWC input and output "
                    + "with the same batch and channels, got " + Arrays.toString(input.shape) + " -> "
                    + Arrays.toString(output.shape));
        }
    }

    public static ResizeNearestNeighbor read(TfliteOperator op) {
        op.arity(2, 2);
        Tensor x = op.input(0), y = op.output();
        int[] size = op.ints(1, "size");
        if (size.length != 2 || y.rank() != 4 || size[0] != y.height() || size[1] != y.width()) {
            throw op.error("size " + Arrays.toString(size) + " does not match the output " + Arrays.toString(y.shape));
        }
        ResizeNearestNeighborOptions o = op.optionsIfAny(BuiltinOptions.ResizeNearestNeighborOptions,
                new ResizeNearestNeighborOptions());
        return new ResizeNearestNeighbor(op.name(), x, y, o != null && o.alignCorners(),
                o != null && o.halfPixelCenters());
    }

    /** TFLite's GetNearestNeighbor. */
    public static int nearest(int i, int inSize, int outSize, boolean alignCorners, boolean halfPixelCenters) {
        float scale = alignCorners && outSize > 1 ? (inSize - 1) / (float) (outSize - 1) : inSize / (float) outSize;
        float offset = halfPixelCenters ? 0.5f : 0.0f;
        float v = (i + offset) * scale;
        // v >= 0: Math.round is round half away from zero here, computed exactly like C's roundf
        int r = alignCorners ? Math.round(v) : (int) Math.floor(v);
        r = Math.min(r, inSize - 1);
        return halfPixelCenters ? Math.max(0, r) : r;
    }

    @Override
    public String kind() {
        return "ResizeNearest";
    }

    @Override
    public Forward bind(Binder b) {
        int in = b.slot(input), out = b.slot(output);
        int batch = input.dim(0), inH = input.height(), inW = input.width(), c = input.channels();
        int outH = output.height(), outW = output.width();
        int[] ys = new int[outH], xs = new int[outW];
        for (int y = 0; y < outH; y++) {
            ys[y] = nearest(y, inH, outH, alignCorners, halfPixelCenters);
        }
        for (int x = 0; x < outW; x++) {
            xs[x] = nearest(x, inW, outW, alignCorners, halfPixelCenters);
        }
        return (s, sc) -> {
            byte[] src = s[in], dst = s[out];
            int o = 0;
            for (int n = 0; n < batch; n++) {
                for (int y = 0; y < outH; y++) {
                    int row = (n * inH + ys[y]) * inW;
                    for (int x = 0; x < outW; x++) {
                        System.arraycopy(src, (row + xs[x]) * c, dst, o, c);
                        o += c;
                    }
                }
            }
        };
    }
}
