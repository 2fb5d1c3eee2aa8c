/* kilotrain C kernels, shared part: scalar helpers (own rint/floor/exp/log after FloatMath, no libm),
 * TFLite's fixed-point multiply, the output stage's requantization and the mask bits. First in kt_kernels.c. */

/* ---------------------------------------------------------------- scalar helpers */

static uint32_t f2u(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static float u2f(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* Round half to even (Math.rint on a float): adding 2^23 to |x| < 2^23 leaves spacing 1, so the addition rounds. */
float kt_rintf(float x) {
    float a = x < 0.0f ? -x : x;
    if (!(a < 8388608.0f)) {
        return x; /* NaN, infinities and floats that are already integers */
    }
    float r = (a + 8388608.0f) - 8388608.0f;
    return u2f(f2u(r) | (f2u(x) & 0x80000000u));
}

/* Math.floor for the small values the weight update clamps to. */
float kt_floorf(float x) {
    float r = kt_rintf(x);
    return r > x ? r - 1.0f : r;
}

/* FloatMath.exp: Cody-Waite reduction and a degree-7 Taylor polynomial. */
static float pow2i(int k) {
    return u2f((uint32_t)(k + 127) << 23);
}

float kt_expf(float x) {
    if (x != x) {
        return x;
    }
    if (x > 0x1.62e430p6f) {
        return u2f(0x7f800000u);
    }
    if (x < -0x1.9fe368p6f) {
        return 0.0f;
    }
    float kf = kt_rintf(x * 0x1.715476p0f);
    int k = (int)kf;
    float r = (x - kf * 0x1.62e4p-1f) - kf * 0x1.7f7d1cp-20f;
    float p = 0x1.6c16c2p-10f + r * 0x1.a01a02p-13f;
    p = 0x1.111112p-7f + r * p;
    p = 0x1.555556p-5f + r * p;
    p = 0x1.555556p-3f + r * p;
    p = 0x1.0p-1f + r * p;
    p = 1.0f + r * p;
    p = 1.0f + r * p;
    if (k > 127) {
        return (p * pow2i(k - 1)) * 2.0f;
    }
    if (k < -125) {
        return (p * pow2i(k + 100)) * pow2i(-100);
    }
    return p * pow2i(k);
}

/* FloatMath.log. */
float kt_logf(float x) {
    if (x != x || x < 0.0f) {
        return u2f(0x7fc00000u);
    }
    if (x == 0.0f) {
        return u2f(0xff800000u);
    }
    if (f2u(x) == 0x7f800000u) {
        return x;
    }
    uint32_t bits = f2u(x);
    int e = 0;
    if (bits < 0x00800000u) {
        bits = f2u(x * 0x1.0p25f);
        e = -25;
    }
    e += (int)((bits >> 23) & 0xffu) - 127;
    float m = u2f((bits & 0x007fffffu) | 0x3f800000u);
    if (m > 0x1.6a09e6p0f) {
        m = m * 0.5f;
        e += 1;
    }
    float f = m - 1.0f;
    float s = f / (2.0f + f);
    float z = s * s;
    float r = 0x1.24924ap-2f + z * 0x1.c71c72p-3f;
    r = 0x1.99999ap-2f + z * r;
    r = 0x1.555556p-1f + z * r;
    r = z * r;
    float hfsq = 0.5f * f * f;
    float logm = f - (hfsq - s * (hfsq + r));
    float ef = (float)e;
    return ef * 0x1.62e4p-1f + (logm + ef * 0x1.7f7d1cp-20f);
}

/* gemmlowp's SaturatingRoundingDoublingHighMul (FixedPointMath). */
static int32_t srdhm(int32_t a, int32_t b) {
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

static int32_t rdbypot(int32_t x, int exponent) {
    int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t kt_mul_quantized(int32_t x, int32_t mult, int32_t shift) {
    int left = shift > 0 ? (int)shift : 0;
    int right = shift > 0 ? 0 : (int)-shift;
    int32_t xs = (int32_t)((uint32_t)x << left); /* Java's wrapping x * (1 << left) */
    return rdbypot(srdhm(xs, mult), right);
}

int32_t kt_rescale_input(int8_t q, int32_t z, int32_t mult, int32_t shift) {
    return rdbypot(srdhm(((int32_t)q - z) * (1 << 20), mult), (int)-shift);
}

#define KT_MAGIC 12582912.0f /* 1.5 * 2^23 */
#define KT_MAGIC_BITS 0x4B400000

/* Unclamped output minus the zero point (FloatRintRequantizer / FixedPointRequantizer). */
static int32_t requant_raw(int float_rint, const float *eff, const int32_t *limit, const int32_t *mult,
                           const int32_t *shift, int32_t acc, int c) {
    if (float_rint) {
        int32_t l = limit[c];
        int32_t a = acc < -l ? -l : (acc > l ? l : acc);
        return (int32_t)f2u((float)a * eff[c] + KT_MAGIC) - KT_MAGIC_BITS;
    }
    return kt_mul_quantized(acc, mult[c], shift[c]);
}

static void mask_put(uint8_t *mask, int i, int inside) {
    uint8_t bit = (uint8_t)(1u << (i & 7));
    if (inside) {
        mask[i >> 3] |= bit;
    } else {
        mask[i >> 3] &= (uint8_t)~bit;
    }
}

static int mask_get(const uint8_t *mask, int i) {
    return (mask[i >> 3] >> (i & 7)) & 1;
}
