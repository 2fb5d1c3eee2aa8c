package kilotrain.ops.activation;

import kilotrain.ir.Tensor;
import kilotrain.ops.TableGradient;
import kilotrain.ops.TableOp;
import kilotrain.ops.TfliteOperator;
import kilotrain.ops.requant.FixedPointMath;

/**
 * HARD_SWISH on int8 ({@code x * relu6(x + 3) / 6}), as TFLite's reference kernel computes it in int16 fixed point:
 * the input on a "hires" scale {@code s_in / 128}, a saturating "relu-ish" factor in [0, 1] from the multiplier of
 * {@code (s_in / 128) / (3 / 32768)}, a truncating doubling high multiply against the input rescaled by the
 * multiplier of {@code (s_in / 128) / s_out}, then a rounding shift and the output zero point. Multipliers are
 * TFLite's QuantizeMultiplier of float32 quotients, scaled down to int16 with rounding.
 */
public final class HardSwish extends TableOp implements TableGradient {
    final short outputMultiplier, reluishMultiplier;
    final int outputExponent, reluishExponent;

    public HardSwish(String name, Tensor input, Tensor output) {
        super(name, input, output);
        float hiresInputScale = (1.0f / 128.0f) * input.quant.scale();
        float reluishScale = 3.0f / 32768.0f;
        FixedPointMath.Multiplier out = FixedPointMath.quantizeMultiplier((double) (hiresInputScale
                / output.quant.scale()));
        FixedPointMath.Multiplier rel = FixedPointMath.quantizeMultiplier((double) (hiresInputScale / reluishScale));
        if (out.shift() > 0) {
            throw new IllegalArgumentException("HardSwish '" + name + "': the output scale " + output.quant.scale()
                    + " is below the input scale / 128, which TFLite's kernel refuses");
        }
        outputMultiplier = downScale(out.multiplier());
        outputExponent = out.shift();
        reluishMultiplier = downScale(rel.multiplier());
        reluishExponent = rel.shift();
    }

    /** TFLite's DownScaleInt32ToInt16Multiplier. */
    static short downScale(int m) {
        int offset = 1 << 15;
        if (m >= Integer.MAX_VALUE - offset) {
            return Short.MAX_VALUE;
        }
        return (short) ((m + offset) >> 16);
    }

    /** gemmlowp's int16 SaturatingRoundingDoublingHighMul. */
    static short srdhm(short a, short b) {
        if (a == b && a == Short.MIN_VALUE) {
            return Short.MAX_VALUE;
        }
        int ab = a * b;
        int nudge = ab >= 0 ? 1 << 14 : 1 - (1 << 14);
        return (short) ((ab + nudge) / (1 << 15));
    }

    /** TFLite's int16 SaturatingDoublingHighMul (truncating). */
    static short sdhm(short a, short b) {
        if (a == b && a == Short.MIN_VALUE) {
            return Short.MAX_VALUE;
        }
        return (short) ((a * b) / (1 << 15));
    }

    /**
     * gemmlowp's RoundingDivideByPOT on int16, its int16 semantics included: the mask {@code 2^e - 1} is an int16, so
     * from {@code e = 16} on it is -1 and the result is {@code x >> e} plus 1 for every {@code x >= 0} (TFLite Micro
     * reaches that with an output scale over 512 times the input's). Below 16 it is the correctly rounded shift.
     */
    static short roundingDivideByPOT16(short x, int exponent) {
        short mask = (short) ((1L << exponent) - 1);
        short remainder = (short) (x & mask);
        short threshold = (short) ((mask >> 1) + (x < 0 ? 1 : 0));
        return (short) ((x >> exponent) + (remainder > threshold ? 1 : 0));
    }

    /** TFLite's SaturatingLeftShift: the product in 64 bits, saturated to int16 (any shift of a large scale). */
    static short saturatingLeftShift(short v, int amount) {
        long r = (long) v << amount;
        return (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, r));
    }

    public static HardSwish read(TfliteOperator op) {
        op.arity(1, 1);
        return new HardSwish(op.name(), op.input(0), op.output());
    }

    @Override
    public String kind() {
        return "HardSwish";
    }

    @Override
    public int apply(int x) {
        return Math.max(-128, Math.min(127, unclamped(x)));
    }

    /**
     * {@code (s_in / s_out) h'(s_in (x - z_in))} with PyTorch's hardswish derivative {@code h'(v) = 0} below -3,
     * {@code v / 3 + 1/2} on [-3, 3] and 1 above; 0 where the int8 output saturates.
     */
    @Override
    public float gradient(int x) {
        int u = unclamped(x);
        if (u < -128 || u > 127) {
            return 0f;
        }
        double sIn = input.quant.scaleDouble(), r = sIn / output.quant.scaleDouble();
        double v = sIn * (x - input.quant.zeroPoint());
        return (float) (r * (v < -3 ? 0.0 : v <= 3 ? v / 3 + 0.5 : 1.0));
    }

    /** The output before the final saturation to int8. */
    int unclamped(int x) {
        short inputValue = (short) (x - input.quant.zeroPoint());
        short hires = (short) (inputValue * (1 << 7));
        short preshiftOutput = srdhm(hires, outputMultiplier);
        short reluish = hires;
        if (reluishExponent > 0) {
            reluish = saturatingLeftShift(reluish, reluishExponent - 1);
        }
        reluish = srdhm(reluish, reluishMultiplier);
        if (reluishExponent > 0) {
            reluish = saturatingLeftShift(reluish, 1);
        }
        if (reluishExponent < 0) {
            reluish = roundingDivideByPOT16(reluish, -reluishExponent);
        }
        reluish = (short) ((reluish + (1 << 15)) >> 1);
        short preshift = sdhm(reluish, preshiftOutput);
        short out = roundingDivideByPOT16(preshift, -outputExponent);
        return (short) (out + output.quant.zeroPoint()); // int16 addition, as TFLite's output_value += zero point
    }

}
