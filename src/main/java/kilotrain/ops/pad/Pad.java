package kilotrain.ops.pad;

import java.util.Arrays;

import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.PadOptions;
import kilotrain.ir.Tensor;
import kilotrain.ops.Binder;
import kilotrain.ops.Forward;
import kilotrain.ops.OneInputOp;
import kilotrain.ops.StridedIndex;
import kilotrain.ops.gather.GatherKernel;
import kilotrain.ops.gather.GatherSpec;
import kilotrain.ops.gather.Gathering;
import kilotrain.ops.TfliteOperator;
import kilotrain.ops.TfliteOptions;

/**
 * PAD and PADV2: the input placed inside a larger tensor filled with one int8 value, any rank up to 5, padding before
 * and after every dimension. As in TFLite's reference kernel the fill is the output's zero point (the quantized 0.0)
 * for PAD and PADV2's constant value otherwise; input bytes are copied unchanged.
 */
public final class Pad extends OneInputOp implements Gathering {
    /** PAD's options, written again by the TFLite export. */
    public static final TfliteOptions OPTIONS = TfliteOptions.of(BuiltinOptions.PadOptions, PadOptions::new,
            (o, fb) -> {
                PadOptions.startPadOptions(fb);
                return PadOptions.endPadOptions(fb);
            });

    /** {@code [before, after]} per dimension of the input. */
    public final int[][] paddings;
    public final byte fill;

    public Pad(String name, Tensor input, Tensor output, int[][] paddings, byte fill) {
        super(name, input, output);
        this.paddings = new int[paddings.length][];
        for (int d = 0; d < paddings.length; d++) {
            this.paddings[d] = paddings[d].clone();
        }
        this.fill = fill;
        if (paddings.length != input.rank() || output.rank() != input.rank() || input.rank() > 5) {
            throw new IllegalArgumentException("Pad '" + name + "': paddings for " + paddings.length
                    + " dimensions, input of rank " + input.rank() + ", output of rank " + output.rank()
                    + " (at most 5)");
        }
        for (int d = 0; d < paddings.length; d++) {
            if (paddings[d][0] < 0 || paddings[d][1] < 0
                    || input.dim(d) + (long) paddings[d][0] + paddings[d][1] != output.dim(d)) {
                throw new IllegalArgumentException("Pad '" + name + "': dimension " + d + " of "
                        + Arrays.toString(input.shape) + " padded by " + Arrays.toString(paddings[d])
                        + " does not give the output " + Arrays.toString(output.shape));
            }
        }
    }

    public static Pad read(TfliteOperator op) {
        int n = op.arity(2, 3);
        // TFLite's kernel copies the bytes; converters give input and output one quantization.
        Tensor x = op.input(0), y = op.output();
        int[] flat = op.ints(1, "paddings");
        if (flat.length != 2 * x.rank()) {
            throw op.error("paddings hold " + flat.length + " values; a rank-" + x.rank() + " input needs "
                    + 2 * x.rank());
        }
        int[][] pads = new int[x.rank()][];
        for (int d = 0; d < pads.length; d++) {
            pads[d] = new int[] {flat[2 * d], flat[2 * d + 1]};
        }
        byte fill = (byte) y.quant.zeroPoint();
        if (n == 3 && op.has(2)) {
            Tensor v = op.int8Constant(2, "constant value");
            if (v.elements() != 1 || !v.quant.equals(y.quant)) {
                throw op.error("the pad value must be one int8 value quantized like the output " + y.quant + ", it is "
                        + v);
            }
            fill = v.int8Data[0];
        }
        op.optionsIfAny(BuiltinOptions.PadOptions, new PadOptions());
        return new Pad(op.name(), x, y, pads, fill);
    }

    @Override
    public String kind() {
        return "Pad";
    }

    @Override
    public Forward bind(Binder b) {
        return GatherKernel.bind(this, gather(), b);
    }

    /** Output position i of dimension d reads input position {@code i - before}, or the fill outside the input. */
    @Override
    public GatherSpec gather() {
        int r = input.rank();
        int[] inStride = StridedIndex.strides(input.shape);
        int[][] off = new int[r][];
        for (int d = 0; d < r; d++) {
            off[d] = new int[output.dim(d)];
            for (int i = 0; i < off[d].length; i++) {
                int src = i - paddings[d][0];
                off[d][i] = src >= 0 && src < input.dim(d) ? src * inStride[d] : -1;
            }
        }
        return new GatherSpec(output.shape.clone(), off, fill, input.elements());
    }
}
