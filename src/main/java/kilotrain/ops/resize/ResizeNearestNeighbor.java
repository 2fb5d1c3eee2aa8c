package kilotrain.ops.resize;

import java.util.Arrays;

import kilotrain.ir.Tensor;
import kilotrain.ops.Binder;
import kilotrain.ops.Forward;
import kilotrain.ops.OneInputOp;
import kilotrain.ops.gather.GatherKernel;
import kilotrain.ops.gather.GatherSpec;
import kilotrain.ops.gather.Gathering;
import kilotrain.ops.TfliteOperator;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.ResizeNearestNeighborOptions;
import kilotrain.ops.TfliteOptions;

/**
 * RESIZE_NEAREST_NEIGHBOR of an NHWC int8 tensor to the output's height and width, with TFLite's source-index rule in
 * float32: {@code scale = in / out} (or {@code (in - 1) / (out - 1)} with align_corners), then {@code floor} (or round
 * half away from zero with align_corners) of {@code (i + offset) * scale}, offset 0.5 with half_pixel_centers,
 * clamped to the input. Bytes are copied.
 */
public final class ResizeNearestNeighbor extends OneInputOp implements Gathering {
    /** RESIZE_NEAREST_NEIGHBOR's options, written again by the TFLite export. */
    public static final TfliteOptions OPTIONS = TfliteOptions.of(BuiltinOptions.ResizeNearestNeighborOptions, ResizeNearestNeighborOptions::new,
            (o, fb) -> ResizeNearestNeighborOptions.createResizeNearestNeighborOptions(fb, o.alignCorners(),
                    o.halfPixelCenters()));

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

    /** Output row y reads input row {@code nearest(y)}, column x input column {@code nearest(x)}; all channels. */
    @Override
    public GatherSpec gather() {
        int inH = input.height(), inW = input.width(), c = input.channels();
        int outH = output.height(), outW = output.width();
        int[][] off = new int[4][];
        off[0] = GatherSpec.affine(input.dim(0), 0, inH * inW * c);
        off[1] = new int[outH];
        for (int y = 0; y < outH; y++) {
            off[1][y] = nearest(y, inH, outH, alignCorners, halfPixelCenters) * inW * c;
        }
        off[2] = new int[outW];
        for (int x = 0; x < outW; x++) {
            off[2][x] = nearest(x, inW, outW, alignCorners, halfPixelCenters) * c;
        }
        off[3] = GatherSpec.affine(c, 0, 1);
        return new GatherSpec(output.shape.clone(), off, (byte) 0, input.elements());
    }

    @Override
    public Forward bind(Binder b) {
        return GatherKernel.bind(this, gather(), b);
    }
}
