package kilotrain.ops.activation;

import kilotrain.ir.Tensor;
import kilotrain.ops.TableGradient;
import kilotrain.ops.TableOp;
import kilotrain.ops.TfliteOperator;
import kilotrain.ops.requant.FixedPointMath;

/**
 * LOGISTIC and TANH on int8, as TFLite's reference integer kernels compute them: {@code x - z_in} outside the input
 * radius saturates; inside it is rescaled to Q4.27 by {@code frexp(s_in * 2^27)}'s multiplier and shift and goes
 * through gemmlowp's fixed-point logistic or tanh, then a rounding shift to int8. The outputs are in TFLite's fixed
 * formats: scale 1/256 and zero point -128 for LOGISTIC, scale 1/128 and zero point 0 for TANH (converters write
 * these; the kernels do not read the output's quantization).
 */
public final class Sigmoid extends TableOp implements TableGradient {
    static final int INPUT_INTEGER_BITS = 4;

    public final boolean tanh;
    final int multiplier, leftShift, radius;

    public Sigmoid(String name, Tensor input, Tensor output, boolean tanh) {
        super(name, input, output);
        this.tanh = tanh;
        String kind = tanh ? "Tanh" : "Logistic";
        // TFLite Micro refuses a LOGISTIC output whose zero point is not -128; both kernels write their fixed output
        // format (1/256 and -128, 1/128 and 0) whatever scale the output tensor states, and so does this one.
        if (!tanh && output.quant.zeroPoint() != -128) {
            throw new IllegalArgumentException(kind + " '" + name + "': output zero point " + output.quant.zeroPoint()
                    + " is not -128, which TFLite's int8 LOGISTIC requires");
        }
        double real = (double) input.quant.scale() * (double) (1 << (31 - INPUT_INTEGER_BITS));
        int exp = real == 0 ? 0 : Math.getExponent(real) + 1; // frexp's exponent (real is normal here)
        double q = Math.scalb(real, -exp);
        multiplier = (int) Math.round(q * (double) (1L << 31)); // TfLiteRound of a positive value
        leftShift = exp;
        // TFLite's CalculateInputRadius; from a shift of 31 (input scales of 8 and more) the radius is 0 and every
        // input saturates, as in TFLite Micro, without reaching the multiplication
        double maxRescaled = Math.scalb(1.0 * ((1 << INPUT_INTEGER_BITS) - 1) * (1L << (31 - INPUT_INTEGER_BITS)),
                -leftShift);
        radius = (int) Math.floor(maxRescaled);
        if (leftShift < 0 || leftShift > 62) {
            throw new IllegalArgumentException(kind + " '" + name + "': input scale " + input.quant.scale()
                    + " is out of TFLite's range for this kernel");
        }
    }

    public static Sigmoid readLogistic(TfliteOperator op) {
        op.arity(1, 1);
        return new Sigmoid(op.name(), op.input(0), op.output(), false);
    }

    public static Sigmoid readTanh(TfliteOperator op) {
        op.arity(1, 1);
        return new Sigmoid(op.name(), op.input(0), op.output(), true);
    }

    @Override
    public String kind() {
        return tanh ? "Tanh" : "Logistic";
    }

    /** The int8 output for one int8 input. */
    @Override
    public int apply(int x) {
        int v = x - input.quant.zeroPoint();
        if (v <= -radius) {
            return -128;
        }
        if (v >= radius) {
            return 127;
        }
        int inQ4 = FixedPointMath.multiplyByQuantizedMultiplier(v, multiplier, leftShift);
        int out;
        if (tanh) {
            out = Gemmlowp.rdbpot(Gemmlowp.tanh(inQ4, INPUT_INTEGER_BITS), 31 - 7);
        } else {
            out = Gemmlowp.rdbpot(Gemmlowp.logistic(inQ4, INPUT_INTEGER_BITS), 31 - 8) - 128;
        }
        return Math.max(-128, Math.min(127, out));
    }

    /**
     * From the int8 output {@code y = apply(x)}, as the field's sigmoid and tanh backward do: LOGISTIC
     * {@code 256 s_in p (1 - p)} with {@code p = (y + 128) / 256}; TANH {@code 128 s_in (1 - t^2)} with
     * {@code t = y / 128} (the outputs' fixed scales 1/256 and 1/128), in double, rounded to float once. Where the
     * output saturates the formula gives (nearly) 0 by itself.
     */
    @Override
    public float gradient(int x) {
        int y = apply(x);
        double s = input.quant.scaleDouble();
        if (tanh) {
            double t = y / 128.0;
            return (float) (128.0 * s * (1.0 - t * t));
        }
        double p = (y + 128) / 256.0;
        return (float) (256.0 * s * p * (1.0 - p));
    }
}
