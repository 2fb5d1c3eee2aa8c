package kilotrain.ops.add;

import kilotrain.ops.requant.FixedPointMath;

/**
 * TFLite's fixed-point ADD and SUB of two int8 operands, before the activation clamp: each operand minus its zero
 * point is shifted left by 20 bits and rescaled to twice the larger input scale by a Q31 multiplier below one
 * ({@code RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, m), -shift)}), the two are added (or subtracted)
 * and the result rescaled to the output ({@code MultiplyByQuantizedMultiplier}), plus its zero point. The one
 * implementation of that arithmetic: the same-shape ADD ({@link AddKernel}, {@code kt_add.c}) and the broadcasting
 * ADD and SUB ({@code ops/elementwise}, {@code kt_elementwise.c}) use it. C twin: {@code add_fixed_unclamped}.
 */
public record Rescale(int za, int zb, int zy, int multA, int shiftA, int multB, int shiftB, int multOut,
        int shiftOut, boolean subtract) {
    public static final int LEFT_SHIFT = 20;

    /** TFLite Micro's ADD: the multipliers of double quotients of the scales ({@code add_common.cc}). */
    public static Rescale add(float sa, int za, float sb, int zb, float sy, int zy) {
        double twiceMax = 2.0 * Math.max((double) sa, (double) sb);
        return of(sa / twiceMax, za, sb / twiceMax, zb, twiceMax / ((1 << LEFT_SHIFT) * (double) sy), zy, false);
    }

    /** TFLite Micro's SUB: the same with float32 quotients, widened to double ({@code sub_common.cc}). */
    public static Rescale sub(float sa, int za, float sb, int zb, float sy, int zy) {
        float twiceMax = 2 * Math.max(sa, sb);
        return of((double) (sa / twiceMax), za, (double) (sb / twiceMax), zb,
                (double) (twiceMax / ((1 << LEFT_SHIFT) * sy)), zy, true);
    }

    private static Rescale of(double ra, int za, double rb, int zb, double ry, int zy, boolean subtract) {
        FixedPointMath.Multiplier ma = FixedPointMath.quantizeMultiplierSmallerThanOne(ra);
        FixedPointMath.Multiplier mb = FixedPointMath.quantizeMultiplierSmallerThanOne(rb);
        // SUB's output multiplier is below one (TFLite checks it); ADD's may exceed one: for a shift <= 0 both
        // TFLite routines compute the same, so MultiplyByQuantizedMultiplier serves both
        FixedPointMath.Multiplier mo = subtract ? FixedPointMath.quantizeMultiplierSmallerThanOne(ry)
                : FixedPointMath.quantizeMultiplier(ry);
        return new Rescale(za, zb, zy, ma.multiplier(), ma.shift(), mb.multiplier(), mb.shift(), mo.multiplier(),
                mo.shift(), subtract);
    }

    /** The output before the activation clamp (its zero point included). */
    public int unclamped(int qa, int qb) {
        int a = FixedPointMath.multiplyByQuantizedMultiplierSmallerThanOneExp((qa - za) * (1 << LEFT_SHIFT), multA,
                shiftA);
        int b = FixedPointMath.multiplyByQuantizedMultiplierSmallerThanOneExp((qb - zb) * (1 << LEFT_SHIFT), multB,
                shiftB);
        return FixedPointMath.multiplyByQuantizedMultiplier(subtract ? a - b : a + b, multOut, shiftOut) + zy;
    }
}
