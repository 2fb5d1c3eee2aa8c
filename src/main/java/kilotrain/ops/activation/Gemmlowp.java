package kilotrain.ops.activation;

import kilotrain.ops.requant.FixedPointMath;

/**
 * gemmlowp's fixed-point logistic and tanh on int32 raw values (its {@code fixedpoint.h}), which TFLite's reference
 * int8 LOGISTIC and TANH call: the same Taylor expansion of exp on [-1/4, 0), the same barrel shifter of
 * {@code exp(-2^k)} constants, the same three Newton-Raphson steps for the division, so results are bit-exact.
 * A value in format Q{@code ib} holds {@code raw / 2^(31 - ib)}.
 */
final class Gemmlowp {
    private Gemmlowp() {
    }

    static int mul(int a, int b) {
        return FixedPointMath.saturatingRoundingDoublingHighMul(a, b);
    }

    static int rdbpot(int x, int exponent) {
        return FixedPointMath.roundingDivideByPOT(x, exponent);
    }

    /** SaturatingRoundingMultiplyByPOT with a positive exponent: a saturating left shift. */
    static int satShiftLeft(int x, int exponent) {
        int threshold = (1 << (31 - exponent)) - 1;
        if (x > threshold) {
            return Integer.MAX_VALUE;
        }
        if (x < -threshold) {
            return Integer.MIN_VALUE;
        }
        return x << exponent;
    }

    static int roundingHalfSum(int a, int b) {
        long sum = (long) a + (long) b;
        long sign = sum >= 0 ? 1 : -1;
        return (int) ((sum + sign) / 2);
    }

    /** exp(a) for a in [-1/4, 0), Q0 in and out. */
    static int expOnIntervalBetweenNegativeOneQuarterAnd0Excl(int a) {
        int constantTerm = 1895147668; // exp(-1/8)
        int constantOneOverThree = 715827883;
        int x = a + (1 << 28);
        int x2 = mul(x, x);
        int x3 = mul(x2, x);
        int x4 = mul(x2, x2);
        int x4Over4 = rdbpot(x4, 2);
        int poly = rdbpot(mul(x4Over4 + x3, constantOneOverThree) + x2, 1);
        return constantTerm + mul(constantTerm, x + poly);
    }

    private static final int[] BARREL_MULTIPLIERS = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401,
        242};

    /** exp(a) for a <= 0 given in Q{@code ib}; the result is Q0. */
    static int expOnNegativeValues(int a, int ib) {
        int frac = 31 - ib;
        int oneQuarter = 1 << (frac - 2);
        int mask = oneQuarter - 1;
        int aModQuarterMinusOneQuarter = (a & mask) - oneQuarter;
        int result = expOnIntervalBetweenNegativeOneQuarterAnd0Excl(satShiftLeft(aModQuarterMinusOneQuarter, ib));
        int remainder = aModQuarterMinusOneQuarter - a;
        for (int k = 0; k < BARREL_MULTIPLIERS.length; k++) {
            int exponent = k - 2;
            if (ib > exponent && (remainder & (1 << (frac + exponent))) != 0) {
                result = mul(result, BARREL_MULTIPLIERS[k]);
            }
        }
        if (ib > 5 && a < -(1 << (36 - ib))) {
            result = 0;
        }
        return a == 0 ? Integer.MAX_VALUE : result;
    }

    /** Newton-Raphson for 1 / (1 + a) (a in (0, 1), Q0), the result x in Q2 with x ~ 2 / (1 + a). */
    private static int newtonRaphson(int a) {
        int halfDenominator = roundingHalfSum(a, Integer.MAX_VALUE);
        int x = 1515870810 + mul(halfDenominator, -1010580540); // 48/17 - 32/17 * d
        int one = 1 << 29;
        for (int i = 0; i < 3; i++) {
            int oneMinusHalfDenominatorTimesX = one - mul(halfDenominator, x);
            x = x + satShiftLeft(mul(x, oneMinusHalfDenominatorTimesX), 2);
        }
        return x;
    }

    static int oneOverOnePlusXForXIn01(int a) {
        return satShiftLeft(newtonRaphson(a), 1);
    }

    static int oneMinusXOverOnePlusXForXIn01(int a) {
        return satShiftLeft(newtonRaphson(a) - (1 << 29), 2);
    }

    /** logistic(a) with a in Q{@code ib}, the result in Q0. */
    static int logistic(int a, int ib) {
        boolean positive = a > 0;
        int abs = positive ? a : -a;
        int resultIfPositive = oneOverOnePlusXForXIn01(expOnNegativeValues(-abs, ib));
        int resultIfNegative = Integer.MAX_VALUE - resultIfPositive;
        return a == 0 ? 1 << 30 : positive ? resultIfPositive : resultIfNegative;
    }

    /** tanh(a) with a in Q{@code ib}, the result in Q0. */
    static int tanh(int a, int ib) {
        boolean negative = a < 0;
        int n = negative ? a : -a;
        int t = oneMinusXOverOnePlusXForXIn01(expOnNegativeValues(n, ib + 1));
        return a == 0 ? 0 : negative ? -t : t;
    }
}
