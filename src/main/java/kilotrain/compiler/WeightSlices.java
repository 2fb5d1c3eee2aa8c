package kilotrain.compiler;

import kilotrain.ir.Conv2D;
import kilotrain.program.TrainedConv;

/**
 * Moves the trained slice of a conv's OHWI weights between the full tensor and the slice layout: non-depthwise
 * {@code [cout, kh, kw, kept]}, depthwise {@code [kept * multiplier, kh, kw, 1]}.
 */
public final class WeightSlices {
    private WeightSlices() {
    }

    public static byte[] extract(TrainedConv tc) {
        byte[] slice = new byte[tc.weightSliceElements()];
        gather(tc, tc.op.weight.int8Data, slice);
        return slice;
    }

    /** Copies the kept channels of {@code full} into {@code slice}. */
    public static void gather(TrainedConv tc, byte[] full, byte[] slice) {
        Conv2D op = tc.op;
        int[] kept = tc.keptChannels;
        int khw = op.kernelH() * op.kernelW();
        if (op.isDepthwise()) {
            int mult = op.output.channels() / op.input.channels();
            int per = khw * mult;
            for (int i = 0; i < kept.length; i++) {
                System.arraycopy(full, kept[i] * per, slice, i * per, per);
            }
        } else {
            int wi = op.weight.dim(3), rows = op.output.channels() * khw, k = kept.length;
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < k; j++) {
                    slice[r * k + j] = full[r * wi + kept[j]];
                }
            }
        }
    }

    /** Writes the slice back into the kept channels of {@code full}. */
    public static void scatter(TrainedConv tc, byte[] slice, byte[] full) {
        Conv2D op = tc.op;
        int[] kept = tc.keptChannels;
        int khw = op.kernelH() * op.kernelW();
        if (op.isDepthwise()) {
            int mult = op.output.channels() / op.input.channels();
            int per = khw * mult;
            for (int i = 0; i < kept.length; i++) {
                System.arraycopy(slice, i * per, full, kept[i] * per, per);
            }
        } else {
            int wi = op.weight.dim(3), rows = op.output.channels() * khw, k = kept.length;
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < k; j++) {
                    full[r * wi + kept[j]] = slice[r * k + j];
                }
            }
        }
    }
}
