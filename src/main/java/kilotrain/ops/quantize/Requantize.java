package kilotrain.ops.quantize;

import java.util.List;

import kilotrain.ir.Tensor;
import kilotrain.ops.Binder;
import kilotrain.ops.Forward;
import kilotrain.ops.ForwardOp;
import kilotrain.ops.TfliteOperator;
import kilotrain.ops.requant.FixedPointMath;

/**
 * QUANTIZE from int8 to int8 inside a graph (a change of scale and zero point), as TFLite's reference
 * {@code Requantize}: {@code (x - z_in)} times the fixed-point multiplier of {@code s_in / s_out}, plus {@code z_out},
 * saturated. A QUANTIZE from float at the model's input is its float interface and is handled by the importer.
 */
public final class Requantize extends ForwardOp {
    public final Tensor input, output;
    public final int multiplier, shift;

    public Requantize(String name, Tensor input, Tensor output) {
        super(name);
        this.input = input;
        this.output = output;
        if (input.elements() != output.elements()) {
            throw new IllegalArgumentException("Requantize '" + name + "': input and output sizes differ");
        }
        FixedPointMath.Multiplier m = FixedPointMath.quantizeMultiplier(
                (double) input.quant.scale() / (double) output.quant.scale());
        this.multiplier = m.multiplier();
        this.shift = m.shift();
    }

    public static Requantize read(TfliteOperator op) {
        op.arity(1, 1);
        return new Requantize(op.name(), op.input(0), op.output());
    }

    @Override
    public List<Tensor> inputs() {
        return List.of(input);
    }

    @Override
    public Tensor output() {
        return output;
    }

    @Override
    public String kind() {
        return "Requantize";
    }

    @Override
    public long macs() {
        return 0;
    }

    @Override
    public Forward bind(Binder b) {
        int in = b.slot(input), out = b.slot(output), n = input.elements();
        int zIn = input.quant.zeroPoint(), zOut = output.quant.zeroPoint();
        return (s, sc) -> forward(s[in], s[out], n, zIn, multiplier, shift, zOut);
    }

    public static void forward(byte[] x, byte[] y, int n, int zIn, int multiplier, int shift, int zOut) {
        for (int i = 0; i < n; i++) {
            int v = FixedPointMath.multiplyByQuantizedMultiplier(x[i] - zIn, multiplier, shift) + zOut;
            y[i] = (byte) Math.max(-128, Math.min(127, v));
        }
    }
}
