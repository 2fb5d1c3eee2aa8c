package kilotrain.ops.quantize;

import kilotrain.ir.Tensor;
import kilotrain.ops.TableGradient;
import kilotrain.ops.TableOp;
import kilotrain.ops.TfliteOperator;
import kilotrain.ops.requant.FixedPointMath;

/**
 * QUANTIZE from int8 to int8 inside a graph (a change of scale and zero point), as TFLite's reference
 * {@code Requantize}: {@code (x - z_in)} times the fixed-point multiplier of {@code s_in / s_out}, plus {@code z_out},
 * saturated. Its gradient (int8 domain) is {@code (float)(s_in / s_out)} where the result lies in [-128, 127] before
 * saturation, 0 where it saturates. A QUANTIZE from float at the model's input is its float interface and is handled by the importer.
 */
public final class Requantize extends TableOp implements TableGradient {
    public final int multiplier, shift;

    public Requantize(String name, Tensor input, Tensor output) {
        super(name, input, output);
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
    public String kind() {
        return "Requantize";
    }

    @Override
    public int apply(int x) {
        return Math.max(-128, Math.min(127, unclamped(x)));
    }

    private int unclamped(int x) {
        return FixedPointMath.multiplyByQuantizedMultiplier(x - input.quant.zeroPoint(), multiplier, shift)
                + output.quant.zeroPoint();
    }

    @Override
    public float gradient(int x) {
        int v = unclamped(x);
        return v < -128 || v > 127 ? 0f : (float) ((double) input.quant.scale() / (double) output.quant.scale());
    }
}
