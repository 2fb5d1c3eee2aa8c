/* Convolutions: forward (portable reference path and the fast paths), channel saves, and the backward kernels
 * (accumulator, bias, weight and input gradients). Part of kt_kernels.c, after kt_core.c. */

/* ---------------------------------------------------------------- forward */

/*
 * The weight row (kh*kw*cin/groups values, OHWI order) of output channel co when it lives in one place, or NULL for
 * a dense conv with a partial slice (frozen channels in flash, kept ones in the slice).
 */
static const int8_t *weight_row(const kt_conv *p, const int8_t *w, const kt_slice *s, int co) {
    const int taps = p->kh * p->kw, cin_g = p->cin / p->groups;
    if (s == NULL) {
        return w + co * taps * cin_g;
    }
    if (p->groups == 1) {
        return s->kept == NULL ? s->w + co * taps * cin_g : NULL;
    }
    if (p->groups == p->cin) {
        const int mult = p->cout / p->cin, c = co / mult;
        const int kk = s->slot == NULL ? c : (int)s->slot[c];
        return kk >= 0 ? s->w + (kk * mult + co % mult) * taps : w + co * taps;
    }
    return s->w + co * taps * cin_g;
}

/* The taps of the window at input position (iy0, ix0) that lie inside the input: rows [ky0, ky1), columns [kx0, kx1). */
static inline void window_rect(const kt_conv *p, int iy0, int ix0, int *ky0, int *ky1, int *kx0, int *kx1) {
    int a = 0, b = p->kh, c = 0, d = p->kw;
    while (a < b && iy0 + a * p->dil_h < 0) {
        a++;
    }
    while (b > a && iy0 + (b - 1) * p->dil_h >= p->in_h) {
        b--;
    }
    while (c < d && ix0 + c * p->dil_w < 0) {
        c++;
    }
    while (d > c && ix0 + (d - 1) * p->dil_w >= p->in_w) {
        d--;
    }
    *ky0 = a;
    *ky1 = b;
    *kx0 = c;
    *kx1 = d;
}

/* cold: the fallback of convolutions no fast path takes, optimized for size */
__attribute__((cold)) void kt_conv_fwd_ref(const kt_conv *p, const int8_t *x, const int8_t *w, const kt_slice *s,
                                           const int32_t *bias, int8_t *y, uint8_t *mask) {
    const int cin_g = p->cin / p->groups, cout_g = p->cout / p->groups, taps = p->kh * p->kw;
    const int lo = p->act_min - p->y_zero, hi = p->act_max - p->y_zero;
    const int xz = p->x_zero;
    int e = 0;
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++) {
            for (int co = 0; co < p->cout; co++, e++) {
                int32_t acc = bias != NULL ? bias[co] : 0;
                const int xg = (co / cout_g) * cin_g;
                const int8_t *row = weight_row(p, w, s, co);
                const int split = row == NULL;
                if (split) {
                    row = w + co * taps * cin_g; /* zeros at the kept channels */
                }
                KT_WINDOW(p, oy * p->stride_h - p->pad_top, ox * p->stride_w - p->pad_left, ky, kx, iy, ix) {
                    const int tap = ky * p->kw + kx;
                    const int8_t *xp = x + (iy * p->in_w + ix) * p->cin + xg;
                    const int8_t *wp = row + tap * cin_g;
                    for (int i = 0; i < cin_g; i++) {
                        acc += (int32_t)wp[i] * ((int32_t)xp[i] - xz);
                    }
                    if (split) {
                        const int8_t *sw = s->w + (co * taps + tap) * s->nk;
                        for (int k = 0; k < s->nk; k++) {
                            acc += (int32_t)sw[k] * ((int32_t)xp[s->kept[k]] - xz);
                        }
                    }
                }
                int32_t q = requant_raw(p->float_rint, p->eff, p->limit, p->mult, p->shift, acc, co);
                if (mask != NULL) {
                    mask_put(mask, e, q >= lo && q <= hi);
                }
                y[e] = (int8_t)((q < lo ? lo : (q > hi ? hi : q)) + p->y_zero);
            }
        }
    }
}

/* ---------------------------------------------------------------- forward fast paths
 * Same integer sums as kt_conv_fwd_ref (exact, so any order gives the same bits), same output stage. */

#if defined(__ARM_FEATURE_SAT)
#include <arm_acle.h>
#define KT_SAT8(v) ((int8_t)__ssat((v), 8))
#else
#define KT_SAT8(v) ((int8_t)((v) < -128 ? -128 : ((v) > 127 ? 127 : (v))))
#endif

/* Requantizes n accumulators of one channel c into y[e0 + j*estep] (and those mask bits). */
static void store_col(const kt_conv *p, const int32_t *acc, int n, int c, int e0, int estep, int8_t *y,
                      uint8_t *mask) {
    const int32_t lo = p->act_min - p->y_zero, hi = p->act_max - p->y_zero, zy = p->y_zero;
    if (p->float_rint && p->acc_bounded && mask == NULL && p->act_min == -128 && p->act_max == 127) {
        const float eff = p->eff[c];
        for (int j = 0; j < n; j++) {
            const int32_t q = (int32_t)f2u((float)acc[j] * eff + KT_MAGIC) - KT_MAGIC_BITS;
            y[e0 + j * estep] = KT_SAT8(q + zy);
        }
        return;
    }
    if (p->float_rint) {
        const float eff = p->eff[c];
        const int32_t l = p->limit[c];
        for (int j = 0; j < n; j++) {
            const int32_t a0 = acc[j];
            const int32_t a = a0 < -l ? -l : (a0 > l ? l : a0);
            const int32_t q = (int32_t)f2u((float)a * eff + KT_MAGIC) - KT_MAGIC_BITS;
            if (mask != NULL) {
                mask_put(mask, e0 + j * estep, q >= lo && q <= hi);
            }
            y[e0 + j * estep] = (int8_t)((q < lo ? lo : (q > hi ? hi : q)) + zy);
        }
    } else {
        const int32_t m = p->mult[c], sh = p->shift[c];
        for (int j = 0; j < n; j++) {
            const int32_t q = kt_mul_quantized(acc[j], m, sh);
            if (mask != NULL) {
                mask_put(mask, e0 + j * estep, q >= lo && q <= hi);
            }
            y[e0 + j * estep] = (int8_t)((q < lo ? lo : (q > hi ? hi : q)) + zy);
        }
    }
}

/*
 * The output stage with its parameters hoisted, one accumulator at a time (inlined into the kernels' loops, the
 * parameters passed by value so that stores of int8 outputs cannot alias them). RQ_NOMASK: float rounding without
 * a mask, so clamp(q, lo, hi) + zy is clamp(q + zy, act_min, act_max), the accumulator clamp only where it can bind
 * (not acc_bounded); RQ_FAST: the full int8 range through kt_rq_rint (no accumulator clamp: the same bits), one
 * QADD and one SSAT; RQ_MASK: the same with a mask (the bit: the saturation changed nothing); RQ_GENERIC:
 * either stage (float or TFLite's fixed point), with or without a mask, decided per output (one copy of the code).
 */
enum { RQ_FAST = 0, RQ_NOMASK = 1, RQ_GENERIC = 2, RQ_MASK = 3 };

typedef struct {
    int32_t lo, hi, zy, zy_magic, amin, amax;
    int clamp, full, float_rint;
    const float *eff;
    const int32_t *limit, *mult, *shift;
} kt_rq;

static int rq_init(const kt_conv *p, const uint8_t *mask, kt_rq *r) {
    r->lo = p->act_min - p->y_zero;
    r->hi = p->act_max - p->y_zero;
    r->zy = p->y_zero;
    r->zy_magic = p->y_zero - KT_MAGIC_BITS;
    r->amin = p->act_min;
    r->amax = p->act_max;
    r->clamp = !p->acc_bounded;
    r->full = p->act_min == -128 && p->act_max == 127;
    r->float_rint = p->float_rint;
    r->eff = p->eff;
    r->limit = p->limit;
    r->mult = p->mult;
    r->shift = p->shift;
    int limits_ok = p->float_rint && !r->clamp;
    if (p->float_rint && r->clamp) {
        /* kt_rq_rint stands for the clamp where every limit is at least 1 (|eff| <= 2^22) */
        int c = 0;
        while (c < p->cout && p->limit[c] > 0) {
            c++;
        }
        limits_ok = c == p->cout;
    }
    if (r->full && limits_ok) {
        return mask != NULL ? RQ_MASK : RQ_FAST;
    }
    if (!p->float_rint || mask != NULL) {
        return RQ_GENERIC;
    }
    return RQ_NOMASK;
}

/*
 * The requantized value before the zero point and the clamp to [lo, hi]: float rounding (after the gradient clamp to
 * the channel's limit, when the stage has one) or TFLite's fixed-point multiply.
 */
static inline __attribute__((always_inline)) int32_t rq_q(const kt_rq r, const int float_rint, int32_t acc, int c) {
    int32_t q;
    if (float_rint) {
        if (r.clamp) {
            const int32_t l = r.limit[c];
            acc = acc < -l ? -l : (acc > l ? l : acc);
        }
        q = (int32_t)f2u((float)acc * r.eff[c] + KT_MAGIC) - KT_MAGIC_BITS;
    } else {
        q = kt_mul_quantized(acc, r.mult[c], r.shift[c]);
    }
    return q;
}

static inline __attribute__((always_inline)) void rq_put(const kt_rq r, const int mode, int32_t acc, int c, int e,
                                                         int8_t *y, uint8_t *mask) {
    if (mode == RQ_FAST || mode == RQ_MASK) {
        const int32_t v = kt_qadd(kt_rq_rint(acc, r.eff[c]), r.zy);
        const int32_t o = kt_sat8(v);
        if (mode == RQ_MASK && mask != NULL) {
            mask_put(mask, e, o == v);
        }
        y[e] = (int8_t)o;
        return;
    }
    if (mode == RQ_NOMASK) {
        if (r.clamp) {
            const int32_t l = r.limit[c];
            acc = acc < -l ? -l : (acc > l ? l : acc);
        }
        /* bits - MAGIC_BITS + zy, no int32 overflow: |bits - MAGIC_BITS| <= 2^22 */
        const int32_t v = (int32_t)f2u((float)acc * r.eff[c] + KT_MAGIC) + r.zy_magic;
        if (r.full) {
            y[e] = KT_SAT8(v);
        } else {
            y[e] = (int8_t)(v < r.amin ? r.amin : (v > r.amax ? r.amax : v));
        }
        return;
    }
    const int32_t q = rq_q(r, r.float_rint, acc, c);
    if (mask != NULL) {
        mask_put(mask, e, q >= r.lo && q <= r.hi);
    }
    y[e] = (int8_t)((q < r.lo ? r.lo : (q > r.hi ? r.hi : q)) + r.zy);
}

/*
 * The same stage for outputs whose mask bits the caller writes together: returns 1 where the output before the
 * clamp was in range (mask must be non-NULL in the call that writes the bits).
 */
static inline __attribute__((always_inline)) unsigned rq_in(const kt_rq r, const int mode, int32_t acc, int c, int e,
                                                            int8_t *y) {
    if (mode == RQ_FAST || mode == RQ_MASK) {
        const int32_t v = kt_qadd(kt_rq_rint(acc, r.eff[c]), r.zy);
        const int32_t o = kt_sat8(v);
        y[e] = (int8_t)o;
        return (unsigned)(o == v);
    }
    const int32_t q = rq_q(r, mode != RQ_GENERIC || r.float_rint, acc, c);
    y[e] = (int8_t)((q < r.lo ? r.lo : (q > r.hi ? r.hi : q)) + r.zy);
    return (unsigned)(q >= r.lo && q <= r.hi);
}

/* n mask bits from bit e on, inside one byte (e a multiple of n, n = 2 or 4). */
static inline void mask_bits(uint8_t *mask, int e, unsigned bits, int n) {
    uint8_t *m = mask + (e >> 3);
    const int sh = e & 7;
    const unsigned keep = ~(((1u << n) - 1u) << sh);
    *m = (uint8_t)((*m & keep) | (bits << sh));
}

#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
/* The widened patch stores each whole group of four as x0 x2 x1 x3, so that SXTB16 of four packed weights (w0 w2,
 * and w1 w3 after a rotation) meets matching int16 pairs in SMLAD. */
static inline int xs_pos(int i, int n) {
    int g = i & ~3, r = i & 3;
    return g + 4 > n ? i : g + (r == 1 ? 2 : (r == 2 ? 1 : r));
}

static void xs_interleave(int16_t *xs, int n) {
    for (int g = 0; g + 4 <= n; g += 4) {
        int16_t t = xs[g + 1];
        xs[g + 1] = xs[g + 2];
        xs[g + 2] = t;
    }
}

static int32_t dot_x4(const int8_t *w, const int16_t *xs, int n, int32_t acc) {
    const int n4 = n & ~3;
    int i = 0;
    for (; i < n4; i += 4) {
        uint32_t wv;
        int32_t x02, x13;
        memcpy(&wv, w + i, 4);
        memcpy(&x02, xs + i, 4);
        memcpy(&x13, xs + i + 2, 4);
        acc = __smlad(__sxtb16(wv), x02, acc);
        acc = __smlad(__sxtb16((wv >> 8) | (wv << 24)), x13, acc);
    }
    for (; i < n; i++) {
        acc += (int32_t)w[i] * xs[i];
    }
    return acc;
}

static inline uint32_t sxtb16_ror8(uint32_t v) {
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
}

#else
static inline int xs_pos(int i, int n) {
    (void)n;
    return i;
}

static void xs_interleave(int16_t *xs, int n) {
    (void)xs;
    (void)n;
}

static int32_t dot_x4(const int8_t *w, const int16_t *xs, int n, int32_t acc) {
    for (int i = 0; i < n; i++) {
        acc += (int32_t)w[i] * xs[i];
    }
    return acc;
}
#endif

/*
 * Ungrouped conv: per output pixel its patch (kh*kw*cin values x - x_zero, zeros for padding taps, the OHWI row
 * order) is widened to int16 once, then each output channel is one dot product with its weight row.
 */
/* The widened patch of output pixel (oy, ox): kh*kw*cin values x - x_zero in OHWI row order, zeros for padding. */
static void patch(const kt_conv *p, const int8_t *x, int oy, int ox, int16_t *xs) {
    const int cin = p->cin, xz = p->x_zero;
    const int iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;
    if (p->dil_w == 1 && iy0 >= 0 && ix0 >= 0 && iy0 + (p->kh - 1) * p->dil_h < p->in_h && ix0 + p->kw <= p->in_w) {
        /* inside the input: each kernel row is one contiguous run of kw*cin input bytes */
        const int run = p->kw * cin;
#if defined(__ARM_FEATURE_DSP)
        if ((run & 3) == 0) {
            /* whole groups of four: SXTB16 yields the pairs (x0, x2) and (x1, x3) of the grouped order directly */
            const uint32_t zz = ((uint32_t)(uint16_t)(int16_t)xz) * 0x00010001u;
            for (int ky = 0; ky < p->kh; ky++) {
                const int8_t *xr = x + ((iy0 + ky * p->dil_h) * p->in_w + ix0) * cin;
                int16_t *d = xs + ky * run;
                for (int j = 0; j < run; j += 4) {
                    uint32_t v;
                    memcpy(&v, xr + j, 4);
                    const uint32_t e = __ssub16(__sxtb16(v), zz), o = __ssub16(sxtb16_ror8(v), zz);
                    memcpy(d + j, &e, 4);
                    memcpy(d + j + 2, &o, 4);
                }
            }
            return;
        }
#endif
        for (int ky = 0; ky < p->kh; ky++) {
            const int8_t *xr = x + ((iy0 + ky * p->dil_h) * p->in_w + ix0) * cin;
            int16_t *d = xs + ky * run;
            for (int j = 0; j < run; j++) {
                d[j] = (int16_t)((int32_t)xr[j] - xz);
            }
        }
        xs_interleave(xs, p->kh * run);
        return;
    }
    for (int ky = 0; ky < p->kh; ky++) {
        const int iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
        for (int kx = 0; kx < p->kw; kx++) {
            const int ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
            int16_t *d = xs + (ky * p->kw + kx) * cin;
            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                for (int i = 0; i < cin; i++) {
                    d[i] = 0;
                }
            } else {
                const int8_t *xr = x + (iy * p->in_w + ix) * cin;
                for (int i = 0; i < cin; i++) {
                    d[i] = (int16_t)((int32_t)xr[i] - xz);
                }
            }
        }
    }
    xs_interleave(xs, p->kh * p->kw * cin);
}

#if defined(__ARM_FEATURE_DSP)
/* Two output channels (rows w0, w1) for two pixels (patches xa, xb), accumulators in registers once inlined. */
static inline __attribute__((always_inline)) void dot2x2(const int8_t *w0, const int8_t *w1, const int16_t *xa,
                                                         const int16_t *xb, int n, int32_t *pa0, int32_t *pa1,
                                                         int32_t *pb0, int32_t *pb1) {
    int32_t a0 = *pa0, a1 = *pa1, b0 = *pb0, b1 = *pb1;
    const int n4 = n & ~3;
    int i = 0;
    for (; i < n4; i += 4) {
        int32_t xa02, xa13, xb02, xb13;
        uint32_t v0, v1;
        memcpy(&v0, w0 + i, 4);
        memcpy(&v1, w1 + i, 4);
        memcpy(&xa02, xa + i, 4);
        memcpy(&xa13, xa + i + 2, 4);
        memcpy(&xb02, xb + i, 4);
        memcpy(&xb13, xb + i + 2, 4);
        const int32_t w0e = (int32_t)__sxtb16(v0), w0o = (int32_t)sxtb16_ror8(v0);
        const int32_t w1e = (int32_t)__sxtb16(v1), w1o = (int32_t)sxtb16_ror8(v1);
        a0 = __smlad(w0e, xa02, a0);
        a0 = __smlad(w0o, xa13, a0);
        b0 = __smlad(w0e, xb02, b0);
        b0 = __smlad(w0o, xb13, b0);
        a1 = __smlad(w1e, xa02, a1);
        a1 = __smlad(w1o, xa13, a1);
        b1 = __smlad(w1e, xb02, b1);
        b1 = __smlad(w1o, xb13, b1);
    }
    for (; i < n; i++) {
        a0 += (int32_t)w0[i] * xa[i];
        b0 += (int32_t)w0[i] * xb[i];
        a1 += (int32_t)w1[i] * xa[i];
        b1 += (int32_t)w1[i] * xb[i];
    }
    *pa0 = a0;
    *pa1 = a1;
    *pb0 = b0;
    *pb1 = b1;
}
#else
static inline void dot2x2(const int8_t *w0, const int8_t *w1, const int16_t *xa, const int16_t *xb, int n,
                          int32_t *pa0, int32_t *pa1, int32_t *pb0, int32_t *pb1) {
    int32_t a0 = *pa0, a1 = *pa1, b0 = *pb0, b1 = *pb1;
    for (int i = 0; i < n; i++) {
        a0 += (int32_t)w0[i] * xa[i];
        b0 += (int32_t)w0[i] * xb[i];
        a1 += (int32_t)w1[i] * xa[i];
        b1 += (int32_t)w1[i] * xb[i];
    }
    *pa0 = a0;
    *pa1 = a1;
    *pb0 = b0;
    *pb1 = b1;
}
#endif

/* The kept channels of a patch in the slice's [tap][kept] order (the patch's group order), then grouped likewise. */
static void gather_kept(const kt_conv *p, const kt_slice *s, const int16_t *xs, int16_t *xk) {
    const int taps = p->kh * p->kw, cin = p->cin, k = taps * cin, nks = taps * s->nk;
    for (int t = 0; t < taps; t++) {
        for (int j = 0; j < s->nk; j++) {
            xk[t * s->nk + j] = xs[xs_pos(t * cin + (int)s->kept[j], k)];
        }
    }
    xs_interleave(xk, nks);
}

/*
 * Ungrouped conv, two pixels at a time: their patches are widened to int16 once, then each pair of output channels
 * meets both patches in one pass (every weight and input load feeds two SMLADs) and the four accumulators go
 * straight through the output stage. A partial slice adds a second pass over the kept channels. xs: 2*k int16, plus
 * 2*kh*kw*nk with a partial slice.
 */
static inline void patch_pad(int16_t *xs, int k, int kw) {
    if (kw != k) {
        for (int i = k; i < kw; i++) {
            xs[i] = 0;
        }
        xs_interleave(xs + (k & ~3), 4); /* the last group is whole now */
    }
}

/* wf: weight rows kw apart (kw = k, or k rounded up to four with zeros, the patches padded likewise) */
static inline __attribute__((always_inline)) void dense_pairs(const kt_conv *p, const int8_t *x, const int8_t *wf,
                                                              int kw, const kt_slice *s, const int32_t *bias,
                                                              int8_t *y, uint8_t *mask, int16_t *xs, const kt_rq r,
                                                              const int mode, const int kconst) {
    /* kconst: the row length as a constant (0: not known), so the dot products unroll completely */
    const int cout = p->cout, k = kconst ? kconst : kw, ow = p->out_w, kp = p->kh * p->kw * p->cin;
    const int split = s != NULL && s->kept != NULL;
    const int nks = split ? p->kh * p->kw * s->nk : 0;
    int16_t *xa = xs, *xb = xs + k, *xka = xs + 2 * k, *xkb = xka + nks;
    const int pixels = p->out_h * ow;
    for (int px = 0; px < pixels; px += 2) {
        const int two = px + 1 < pixels;
        patch(p, x, px / ow, px % ow, xa);
        patch_pad(xa, kp, kw);
        const int16_t *xbp = xa, *xkbp = xka;
        if (two) {
            patch(p, x, (px + 1) / ow, (px + 1) % ow, xb);
            patch_pad(xb, kp, kw);
            xbp = xb;
        }
        if (split) {
            gather_kept(p, s, xa, xka);
            if (two) {
                gather_kept(p, s, xb, xkb);
                xkbp = xkb;
            }
        }
        const int ea = px * cout, eb = ea + cout;
        int co = 0;
        for (; co + 2 <= cout; co += 2) {
            int32_t a0 = 0, a1 = 0;
            if (bias != NULL) {
                a0 = bias[co];
                a1 = bias[co + 1];
            }
            int32_t b0 = a0, b1 = a1;
            dot2x2(wf + co * k, wf + (co + 1) * k, xa, xbp, k, &a0, &a1, &b0, &b1);
            if (split) {
                dot2x2(s->w + co * nks, s->w + (co + 1) * nks, xka, xkbp, nks, &a0, &a1, &b0, &b1);
            }
            if ((mode == RQ_GENERIC || mode == RQ_MASK) && mask != NULL && (cout & 1) == 0) {
                /* ea + co is even: the two channels' bits share a mask byte */
                mask_bits(mask, ea + co,
                          rq_in(r, mode, a0, co, ea + co, y) | rq_in(r, mode, a1, co + 1, ea + co + 1, y) << 1, 2);
                if (two) {
                    mask_bits(mask, eb + co,
                              rq_in(r, mode, b0, co, eb + co, y) | rq_in(r, mode, b1, co + 1, eb + co + 1, y) << 1, 2);
                }
                continue;
            }
            rq_put(r, mode, a0, co, ea + co, y, mask);
            rq_put(r, mode, a1, co + 1, ea + co + 1, y, mask);
            if (two) {
                rq_put(r, mode, b0, co, eb + co, y, mask);
                rq_put(r, mode, b1, co + 1, eb + co + 1, y, mask);
            }
        }
        if (co < cout) {
            int32_t a = bias != NULL ? bias[co] : 0, b = a;
            a = dot_x4(wf + co * k, xa, k, a);
            b = dot_x4(wf + co * k, xbp, k, b);
            if (split) {
                a = dot_x4(s->w + co * nks, xka, nks, a);
                b = dot_x4(s->w + co * nks, xkbp, nks, b);
            }
            rq_put(r, mode, a, co, ea + co, y, mask);
            if (two) {
                rq_put(r, mode, b, co, eb + co, y, mask);
            }
        }
    }
}

/*
 * The full-range float stage without a mask or a partial slice (the frozen layers): pairs of output channels against
 * two pixels as in dense_pairs, every value the channel loop carries a local, and an odd last pixel paired with
 * itself (its outputs written twice) so that the loop has no branch. kconst as in dense_pairs.
 */
static inline __attribute__((always_inline)) void dense_fast(const kt_conv *p, const int8_t *x, const int8_t *wf,
                                                             int kw, const int32_t *bias, int8_t *y, int16_t *xs,
                                                             const float *eff, int32_t zy, const int kconst) {
    const int cout = p->cout, k = kconst ? kconst : kw, ow = p->out_w, kp = p->kh * p->kw * p->cin;
    const int pixels = p->out_h * ow;
    int16_t *xa = xs, *xb = xs + k;
    for (int px = 0; px < pixels; px += 2) {
        const int two = px + 1 < pixels;
        patch(p, x, px / ow, px % ow, xa);
        patch_pad(xa, kp, kw);
        const int16_t *xbp = xa;
        int8_t *ya = y + px * cout, *yb = ya;
        if (two) {
            patch(p, x, (px + 1) / ow, (px + 1) % ow, xb);
            patch_pad(xb, kp, kw);
            xbp = xb;
            yb = ya + cout;
        }
        const int8_t *w0 = wf;
        int co = 0;
        for (; co + 2 <= cout; co += 2, w0 += 2 * k) {
            int32_t a0 = 0, a1 = 0;
            if (bias != NULL) {
                a0 = bias[co];
                a1 = bias[co + 1];
            }
            int32_t b0 = a0, b1 = a1;
            dot2x2(w0, w0 + k, xa, xbp, k, &a0, &a1, &b0, &b1);
            const float e0 = eff[co], e1 = eff[co + 1];
            ya[co] = kt_sat8(kt_qadd(kt_rq_rint(a0, e0), zy));
            ya[co + 1] = kt_sat8(kt_qadd(kt_rq_rint(a1, e1), zy));
            yb[co] = kt_sat8(kt_qadd(kt_rq_rint(b0, e0), zy));
            yb[co + 1] = kt_sat8(kt_qadd(kt_rq_rint(b1, e1), zy));
        }
        if (co < cout) {
            const int32_t b = bias != NULL ? bias[co] : 0;
            const int32_t a0 = dot_x4(w0, xa, k, b), b0 = dot_x4(w0, xbp, k, b);
            ya[co] = kt_sat8(kt_qadd(kt_rq_rint(a0, eff[co]), zy));
            yb[co] = kt_sat8(kt_qadd(kt_rq_rint(b0, eff[co]), zy));
        }
    }
}

#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
/*
 * Pointwise pairs in Cortex-M assembly: for each pair of output channels (weight rows w and w + k, k a multiple of
 * four) the four sums bias + row . patch for two pixels whose widened patches xs hold, per group of four inputs,
 * the words (a02, a13, b02, b13) (pw_patch2); written as out[4 * pair + (a0, a1, b0, b1)], or added to them when
 * bias is NULL. Two groups per pass (an odd group first, entering at the pass's second half). All fourteen registers
 * serve the inner loop: one LDM brings a group of both patches, each weight word is loaded and split (SXTB16) once
 * for four SMLADs: 32 instructions per 32 multiply-adds (QEMU counts one per LDM).
 */
void kt_pw_pairs(const int8_t *w, int k, const uint32_t *xs, int32_t *out, int pairs, const int32_t *bias);
#define KT_PW_GROUP                                                                                                  \
    "ldmia  r2!, {r8-r11}\n\t"                                                                                       \
    "ldr    lr, [r0], #4\n\t"                                                                                        \
    "sxtb16 r12, lr\n\t"                                                                                             \
    "sxtb16 lr, lr, ror #8\n\t"                                                                                      \
    "smlad  r4, r12, r8, r4\n\t"                                                                                     \
    "smlad  r4, lr, r9, r4\n\t"                                                                                      \
    "smlad  r6, r12, r10, r6\n\t"                                                                                    \
    "smlad  r6, lr, r11, r6\n\t"                                                                                     \
    "ldr    lr, [r0, r1]\n\t"                                                                                        \
    "sxtb16 r12, lr\n\t"                                                                                             \
    "sxtb16 lr, lr, ror #8\n\t"                                                                                      \
    "smlad  r5, r12, r8, r5\n\t"                                                                                     \
    "smlad  r5, lr, r9, r5\n\t"                                                                                      \
    "smlad  r7, r12, r10, r7\n\t"                                                                                    \
    "smlad  r7, lr, r11, r7\n\t"
/* One output-channel pair's pass over the patches (after its four sums are set up): two groups per loop, an odd
 * group first, then the sums stored, the weights moved past the pair's second row, and on to the next pair (label 1
 * or 6, the caller's head). */
#define KT_PW_PAIR(head)                                                                                             \
    "ldrd   r2, r3, [sp, #0]\n\t" /* the patches and their end */                                                  \
    "tst    r1, #4\n\t"           /* k - 4 a multiple of eight: an odd group */                                      \
    "beq    3f\n"                                                                                                    \
    "2:\n\t" KT_PW_GROUP "3:\n\t" KT_PW_GROUP                                                                        \
    "cmp    r2, r3\n\t"                                                                                              \
    "bne    2b\n\t"                                                                                                  \
    "ldrd   r12, r3, [sp, #8]\n\t" /* out, its end */                                                              \
    "stmia  r12!, {r4-r7}\n\t"                                                                                       \
    "str    r12, [sp, #8]\n\t"                                                                                       \
    "add    r0, r0, r1\n\t"                                                                                          \
    "add    r0, r0, #4\n\t" /* past the second row */                                                               \
    "cmp    r12, r3\n\t"                                                                                             \
    "bne    " head "\n\t"
__asm__(KT_ASM_FUNC("kt_pw_pairs")
        "push   {r4-r11, lr}\n\t"
        "sub    sp, sp, #16\n\t"     /* [sp]: patches, their end, out, its end; pairs at [sp, #52], bias at #56 */
        "str    r2, [sp, #0]\n\t"
        "add    r12, r2, r1, lsl #2\n\t"
        "str    r12, [sp, #4]\n\t"
        "str    r3, [sp, #8]\n\t"
        "ldr    r12, [sp, #52]\n\t"
        "add    r12, r3, r12, lsl #4\n\t"
        "str    r12, [sp, #12]\n\t"
        "sub    r1, r1, #4\n\t"      /* the second row's word, after the first's post-increment: [r0, k - 4] */
        "ldr    r12, [sp, #56]\n\t"
        "cmp    r12, #0\n\t"
        "beq    6f\n"
        "1:\n\t"
        "ldr    r12, [sp, #56]\n\t"  /* the pair's biases */
        "ldrd   r4, r5, [r12], #8\n\t"
        "str    r12, [sp, #56]\n\t"
        "mov    r6, r4\n\t"
        "mov    r7, r5\n\t"
        KT_PW_PAIR("1b")
        "add    sp, sp, #16\n\t"
        "pop    {r4-r11, pc}\n"
        "6:\n\t"
        "ldr    r12, [sp, #8]\n\t"   /* accumulate: the sums so far */
        "ldmia  r12, {r4-r7}\n\t"
        KT_PW_PAIR("6b")
        "add    sp, sp, #16\n\t"
        "pop    {r4-r11, pc}\n\t"
        KT_ASM_END("kt_pw_pairs"));

/* Two pixels' patches (k values each, x - x_zero as int16) in kt_pw_pairs's order. */
static inline void pw_patch2(const int8_t *xa, const int8_t *xb, int k, uint32_t zz, uint32_t *d) {
    for (int j = 0; j < k; j += 4, d += 4) {
        uint32_t va, vb;
        memcpy(&va, xa + j, 4);
        memcpy(&vb, xb + j, 4);
        d[0] = __ssub16(__sxtb16(va), zz);
        d[1] = __ssub16(sxtb16_ror8(va), zz);
        d[2] = __ssub16(__sxtb16(vb), zz);
        d[3] = __ssub16(sxtb16_ror8(vb), zz);
    }
}

/* The kept channels of two pixels (a partial slice's nk inputs, nk a multiple of four) in kt_pw_pairs's order. */
static inline void pw_gather2(const int8_t *xa, const int8_t *xb, const int32_t *kept, int nk, int32_t xz,
                              int16_t *d) {
    for (int j = 0; j < nk; j += 4, d += 8) {
        const int32_t k0 = kept[j], k1 = kept[j + 1], k2 = kept[j + 2], k3 = kept[j + 3];
        d[0] = (int16_t)(xa[k0] - xz);
        d[1] = (int16_t)(xa[k2] - xz);
        d[2] = (int16_t)(xa[k1] - xz);
        d[3] = (int16_t)(xa[k3] - xz);
        d[4] = (int16_t)(xb[k0] - xz);
        d[5] = (int16_t)(xb[k2] - xz);
        d[6] = (int16_t)(xb[k1] - xz);
        d[7] = (int16_t)(xb[k3] - xz);
    }
}

/* The output stage of kt_pw_pairs's sums for two pixels (px and px + 1 when two): acc[4 * pair + (a0, a1, b0, b1)]. */
static inline __attribute__((always_inline)) void pw_stage(const kt_rq r, const int mode, const int32_t *acc,
                                                           int cout, int px, int two, int8_t *y, uint8_t *mask) {
    const int ea = px * cout, eb = ea + cout;
    const int32_t *a = acc;
    for (int co = 0; co < cout; co += 2, a += 4) {
        if (mode == RQ_MASK) {
            mask_bits(mask, ea + co, rq_in(r, mode, a[0], co, ea + co, y) | rq_in(r, mode, a[1], co + 1, ea + co + 1, y) << 1, 2);
            if (two) {
                mask_bits(mask, eb + co,
                          rq_in(r, mode, a[2], co, eb + co, y) | rq_in(r, mode, a[3], co + 1, eb + co + 1, y) << 1, 2);
            }
            continue;
        }
        rq_put(r, mode, a[0], co, ea + co, y, NULL);
        rq_put(r, mode, a[1], co + 1, ea + co + 1, y, NULL);
        if (two) {
            rq_put(r, mode, a[2], co, eb + co, y, NULL);
            rq_put(r, mode, a[3], co + 1, eb + co + 1, y, NULL);
        }
    }
}

/*
 * A 1x1 stride-1 conv (cin and a partial slice's nk multiples of four, cout even, a bias) through kt_pw_pairs, two pixels per call (an odd
 * last pixel paired with itself, its outputs written once), the sums then through the output stage (RQ_FAST, or
 * RQ_MASK with the two channels' mask bits together); a partial slice adds a second call over the gathered kept
 * channels and the slice's rows. xs: 2*cin int16 (+ 2*nk); acc: 2*cout int32.
 */
static inline __attribute__((always_inline)) void pw_asm(const kt_conv *p, const int8_t *x, const int8_t *w,
                                                         const kt_slice *s, const int32_t *bias, int8_t *y,
                                                         uint8_t *mask, int16_t *xs, int32_t *acc, const kt_rq r,
                                                         const int mode) {
    const int k = p->cin, cout = p->cout, pixels = p->out_h * p->out_w;
    const uint32_t zz = ((uint32_t)(uint16_t)(int16_t)p->x_zero) * 0x00010001u;
    uint32_t *xw = (uint32_t *)(void *)xs;
    for (int px = 0; px < pixels; px += 2) {
        const int two = px + 1 < pixels;
        const int8_t *xa = x + px * k;
        pw_patch2(xa, two ? xa + k : xa, k, zz, xw);
        kt_pw_pairs(w, k, xw, acc, cout >> 1, bias);
        if (s != NULL) {
            pw_gather2(xa, two ? xa + k : xa, s->kept, s->nk, p->x_zero, xs + 2 * k);
            kt_pw_pairs(s->w, s->nk, xw + k, acc, cout >> 1, NULL);
        }
        pw_stage(r, mode, acc, cout, px, two, y, mask);
    }
}

/* The RGB stem's patch of output pixel px (3x3, three channels, dilation 1): 27 bytes in OHWI row order, the
 * padding taps and a 28th byte at the zero point (x - x_zero = 0 there). */
static inline void stem_patch(const kt_conv *p, const int8_t *x, int px, int8_t *t) {
    const int oy = px / p->out_w, ox = px - oy * p->out_w;
    const int iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left, xz = p->x_zero;
    if (iy0 >= 0 && ix0 >= 0 && iy0 + 3 <= p->in_h && ix0 + 3 <= p->in_w) {
        const int8_t *xr = x + (iy0 * p->in_w + ix0) * 3;
        memcpy(t, xr, 9);
        memcpy(t + 9, xr + p->in_w * 3, 9);
        memcpy(t + 18, xr + p->in_w * 6, 9);
    } else {
        for (int ky = 0; ky < 3; ky++) {
            for (int kx = 0; kx < 3; kx++) {
                const int iy = iy0 + ky, ix = ix0 + kx;
                int8_t *d = t + 9 * ky + 3 * kx;
                if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                    d[0] = d[1] = d[2] = (int8_t)xz;
                } else {
                    memcpy(d, x + (iy * p->in_w + ix) * 3, 3);
                }
            }
        }
    }
    t[27] = (int8_t)xz;
}

/*
 * The RGB stem (3x3 on three channels, dilation 1, cout even, a bias, the full-range float stage, no mask) through
 * kt_pw_pairs as a 28-value pointwise conv: two pixels' patches built end to end (stem_patch), the weight rows
 * zero-padded to 28 (wf), every weight word split once for four SMLADs. out: 2*cout int32.
 */
static void stem_asm(const kt_conv *p, const int8_t *x, const int8_t *wf, const int32_t *bias, int8_t *y,
                     int16_t *xs, int32_t *out, const kt_rq r) {
    const int cout = p->cout, pixels = p->out_h * p->out_w;
    const uint32_t zz = ((uint32_t)(uint16_t)(int16_t)p->x_zero) * 0x00010001u;
    uint32_t ta[7], tb[7];
    for (int px = 0; px < pixels; px += 2) {
        const int two = px + 1 < pixels;
        stem_patch(p, x, px, (int8_t *)(void *)ta);
        if (two) {
            stem_patch(p, x, px + 1, (int8_t *)(void *)tb);
        }
        pw_patch2((const int8_t *)(const void *)ta, (const int8_t *)(const void *)(two ? tb : ta), 28, zz,
                  (uint32_t *)(void *)xs);
        kt_pw_pairs(wf, 28, (const uint32_t *)(const void *)xs, out, cout >> 1, bias);
        pw_stage(r, RQ_FAST, out, cout, px, two, y, NULL);
    }
}
#endif

/*
 * xs: 2*k4 int16 (k4: k rounded up to four), plus 2*kh*kw*nk with a partial slice; acc: max(2*cout, 4*out_w) int32,
 * where weight rows whose length is no multiple of four (a first layer's cin = 3) get a zero-padded copy when it
 * fits, so that no dot product needs a scalar tail.
 */
static void conv_dense(const kt_conv *p, const int8_t *x, const int8_t *w, const kt_slice *s, const int32_t *bias,
                       int8_t *y, uint8_t *mask, int16_t *xs, int32_t *acc) {
    const int k = p->kh * p->kw * p->cin, k4 = (k + 3) & ~3, cout = p->cout;
    const int split = s != NULL && s->kept != NULL;
    const int8_t *wf = s == NULL || split ? w : s->w;
    int kw = k;
    const int acc_bytes = 4 * (2 * cout > 4 * p->out_w ? 2 * cout : 4 * p->out_w);
    if (k != k4 && !split && cout * k4 <= acc_bytes) {
        int8_t *wp = (int8_t *)acc;
        for (int co = 0; co < cout; co++) {
            memcpy(wp + co * k4, wf + co * k, (size_t)k);
            memset(wp + co * k4 + k, 0, (size_t)(k4 - k));
        }
        wf = wp;
        kw = k4;
    }
    kt_rq r;
    const int mode = rq_init(p, mask, &r);
#if defined(__ARM_FEATURE_DSP) && defined(__thumb2__)
    if (bias != NULL && p->kh == 1 && p->kw == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0
            && p->pad_left == 0 && p->in_h == p->out_h && p->in_w == p->out_w && (k & 3) == 0 && k > 0
            && (cout & 1) == 0 && (!split || ((s->nk & 3) == 0 && s->nk > 0))
            && ((uintptr_t)xs & 3) == 0 && ((uintptr_t)acc & 3) == 0) { /* LDM / STM want whole words */
        if (mode == RQ_FAST) {
            pw_asm(p, x, wf, split ? s : NULL, bias, y, NULL, xs, acc, r, RQ_FAST);
            return;
        }
        if (mode == RQ_MASK) {
            pw_asm(p, x, wf, split ? s : NULL, bias, y, mask, xs, acc, r, RQ_MASK);
            return;
        }
    }
    if (bias != NULL && mode == RQ_FAST && s == NULL && kw == 28 && p->kh == 3 && p->kw == 3 && p->cin == 3
            && p->dil_h == 1 && p->dil_w == 1 && (cout & 1) == 0 && 28 * cout + 8 * cout <= acc_bytes
            && ((uintptr_t)xs & 3) == 0 && ((uintptr_t)acc & 3) == 0) {
        /* the RGB stem: its sums after the padded weight rows in acc */
        stem_asm(p, x, wf, bias, y, xs, acc + 7 * cout, r);
        return;
    }
#endif
    if (mode == RQ_FAST && !split) {
        dense_fast(p, x, wf, kw, bias, y, xs, r.eff, r.zy, 0); /* the 1x1 convs take kt_pw_pairs */
        return;
    }
    switch (mode) {
    default: /* one copy for the rest (each copy costs flash): the general stage gives the same bits */
        dense_pairs(p, x, wf, kw, s, bias, y, mask, xs, r, RQ_GENERIC, 0);
        break;
    }
}

/*
 * Depthwise, multiplier 1, one channel at a time. Interior pixels (every tap inside the input) use precomputed tap
 * offsets and fold the zero point into the bias (acc = bias - x_zero * sum(w) + sum w*x, exact in int32); border
 * pixels find their taps inside the input.
 */
#define KT_MAX_TAPS 81
static int32_t dw_taps(int32_t acc, const int8_t *w, const int8_t *xp, const int32_t *off, int taps) {
    for (int t = 0; t < taps; t++) {
        acc += (int32_t)w[t] * xp[off[t]];
    }
    return acc;
}

#if !defined(__ARM_FEATURE_DSP)
/* constant tap counts, fully unrolled */
static int32_t dw_taps9(int32_t acc, const int8_t *w, const int8_t *xp, const int32_t *off) {
#pragma GCC unroll 9
    for (int t = 0; t < 9; t++) {
        acc += (int32_t)w[t] * xp[off[t]];
    }
    return acc;
}

static int32_t dw_taps25(int32_t acc, const int8_t *w, const int8_t *xp, const int32_t *off) {
#pragma GCC unroll 25
    for (int t = 0; t < 25; t++) {
        acc += (int32_t)w[t] * xp[off[t]];
    }
    return acc;
}

static int32_t dw_taps49(int32_t acc, const int8_t *w, const int8_t *xp, const int32_t *off) {
#pragma GCC unroll 49
    for (int t = 0; t < 49; t++) {
        acc += (int32_t)w[t] * xp[off[t]];
    }
    return acc;
}

#endif

#if defined(__ARM_FEATURE_DSP)
/* One tap of four adjacent channels: the input word (channels c..c+3, NHWC) split by SXTB16 into (c, c+2) and
 * (c+1, c+3) halfword pairs that meet the packed weights in SMLABB / SMLATT. */
#define KT_DW4_TAP(ptr, we_t, wo_t)                                                                                  \
    do {                                                                                                             \
        uint32_t v_;                                                                                                 \
        memcpy(&v_, (ptr), 4);                                                                                       \
        const uint32_t e_ = __sxtb16(v_), o_ = sxtb16_ror8(v_);                                                      \
        a0 = __smlabb((int32_t)(we_t), (int32_t)e_, a0);                                                             \
        a2 = __smlatt((int32_t)(we_t), (int32_t)e_, a2);                                                             \
        a1 = __smlabb((int32_t)(wo_t), (int32_t)o_, a1);                                                             \
        a3 = __smlatt((int32_t)(wo_t), (int32_t)o_, a3);                                                             \
    } while (0)

/*
 * A group of four channels' packed weights, biases (plain and with the zero point folded in) and, with plane, its
 * input copied with the padding at the zero point. Out of line: one copy serves every output stage.
 */
static void __attribute__((noinline)) dw4_prepare(const kt_conv *p, const int8_t *x, const int8_t *w,
                                                  const kt_slice *s, const int32_t *bias, int ch, uint32_t *plane,
                                                  int ph, int pw, uint32_t *wp, int32_t *b4, int32_t *bin4) {
    const int c = p->cin, taps = p->kh * p->kw, xz = p->x_zero;
    const int8_t *wr4[4];
    for (int g = 0; g < 4; g++) {
        wr4[g] = s == NULL ? w + (ch + g) * taps : weight_row(p, w, s, ch + g);
        int32_t wsum = 0;
        for (int t = 0; t < taps; t++) {
            wsum += wr4[g][t];
        }
        b4[g] = bias != NULL ? bias[ch + g] : 0;
        bin4[g] = b4[g] - xz * wsum;
    }
    for (int t = 0; t < taps; t++) {
        wp[2 * t] = ((uint32_t)(uint16_t)(int16_t)wr4[0][t]) | ((uint32_t)(uint16_t)(int16_t)wr4[2][t] << 16);
        wp[2 * t + 1] = ((uint32_t)(uint16_t)(int16_t)wr4[1][t]) | ((uint32_t)(uint16_t)(int16_t)wr4[3][t] << 16);
    }
    if (plane == NULL) {
        return;
    }
    const uint32_t zb = ((uint32_t)(uint8_t)(int8_t)xz) * 0x01010101u;
    /* per plane row: the padding at the zero point, then the input's words (columns [x0, x1) of the plane) */
    const int x0 = p->pad_left < pw ? p->pad_left : pw;
    const int x1 = p->pad_left + p->in_w < pw ? p->pad_left + p->in_w : pw;
    uint32_t *d = plane;
    for (int py = 0; py < ph; py++, d += pw) {
        const int iy = py - p->pad_top;
        if (iy < 0 || iy >= p->in_h) {
            for (int px = 0; px < pw; px++) {
                d[px] = zb;
            }
            continue;
        }
        const int8_t *xr = x + (iy * p->in_w + x0 - p->pad_left) * c + ch;
        int px = 0;
        for (; px < x0; px++) {
            d[px] = zb;
        }
        for (; px < x1; px++, xr += c) {
            uint32_t v;
            memcpy(&v, xr, 4);
            d[px] = v;
        }
        for (; px < pw; px++) {
            d[px] = zb;
        }
    }
}

/* The outputs of four adjacent channels (elements e..e+3); the general stage writes their mask bits together. */
static inline __attribute__((always_inline)) void dw4_store(const kt_rq r, const int mode, int32_t a0, int32_t a1,
                                                            int32_t a2, int32_t a3, int ch, int e, int8_t *y,
                                                            uint8_t *mask, int nibble) {
    if (mode == RQ_FAST || mode == RQ_NOMASK) {
        rq_put(r, mode, a0, ch, e, y, NULL);
        rq_put(r, mode, a1, ch + 1, e + 1, y, NULL);
        rq_put(r, mode, a2, ch + 2, e + 2, y, NULL);
        rq_put(r, mode, a3, ch + 3, e + 3, y, NULL);
        return;
    }
    const unsigned bits = rq_in(r, mode, a0, ch, e, y) | rq_in(r, mode, a1, ch + 1, e + 1, y) << 1
            | rq_in(r, mode, a2, ch + 2, e + 2, y) << 2 | rq_in(r, mode, a3, ch + 3, e + 3, y) << 3;
    if (mask == NULL) {
        return;
    }
    if (nibble) {
        mask_bits(mask, e, bits, 4);
        return;
    }
    for (int j = 0; j < 4; j++) {
        mask_put(mask, e + j, (bits >> j) & 1u);
    }
}

/* A border pixel of four channels: the taps inside the input, x - x_zero as halfword pairs (SSUB16). Kept out of
 * line: one copy serves every output stage. */
static void __attribute__((noinline)) dw4_border(const kt_conv *p, const int8_t *x, int ch, int iy0, int ix0,
                                                 const uint32_t *wp, const int32_t *b4, uint32_t zz, int32_t *acc) {
    const int c = p->cin;
    int ky0, ky1, kx0, kx1;
    window_rect(p, iy0, ix0, &ky0, &ky1, &kx0, &kx1);
    int32_t a0 = b4[0], a1 = b4[1], a2 = b4[2], a3 = b4[3];
    for (int ky = ky0; ky < ky1; ky++) {
        const int8_t *xr = x + ((iy0 + ky * p->dil_h) * p->in_w + ix0) * c + ch;
        for (int kx = kx0; kx < kx1; kx++) {
            const int t = ky * p->kw + kx;
            uint32_t v;
            memcpy(&v, xr + kx * p->dil_w * c, 4);
            const uint32_t ev = __ssub16(__sxtb16(v), zz), od = __ssub16(sxtb16_ror8(v), zz);
            a0 = __smlabb((int32_t)wp[2 * t], (int32_t)ev, a0);
            a2 = __smlatt((int32_t)wp[2 * t], (int32_t)ev, a2);
            a1 = __smlabb((int32_t)wp[2 * t + 1], (int32_t)od, a1);
            a3 = __smlatt((int32_t)wp[2 * t + 1], (int32_t)od, a3);
        }
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

#if defined(__thumb2__) && defined(__ARM_FP) && (__ARM_FP & 4)
/*
 * Runs of interior pixels of a KxK depthwise conv (K 3, 5 or 7), four channels, the full-range float stage, in
 * Cortex-M assembly: per pixel the taps (input words from the window's row pointer at + 0, cs, 2 cs, the pointer
 * stepping on for the wider rows; packed weights by LDRD) into SMLABB / SMLATT, then the four outputs through VCVT,
 * VMUL, VCVTR (kt_rq_rint), QADD and SSAT, and with a mask their four bits (one nibble). The run's values in one
 * block (offsets fixed: the assembly reads them).
 */
typedef struct {
    const uint32_t *wp; /* 0: per tap (c, c+2) then (c+1, c+3) weights as halfword pairs */
    int32_t bin[4];     /* 4: biases with the zero point folded in */
    float eff[4];       /* 20 */
    int32_t zy;         /* 36 */
    int xstep, ystep;   /* 40, 44: bytes from one pixel's window to the next, and between outputs */
    int n;              /* 48: pixels, at least one */
    int8_t *y;          /* 52: the first pixel's four outputs */
    int rowadv;         /* 56: K 5 / 7: from a row's pointer after its taps to the next row */
    uint8_t *mask;      /* 60: NULL, or the mask whose bits e.. e+3 (e a multiple of four) are the first pixel's */
    int e;              /* 64 */
} kt_dw4_run;
void kt_dw4_run3(const int8_t *r0, int rs, int cs, kt_dw4_run *a);
void kt_dw4_run5(const int8_t *r0, int cs, kt_dw4_run *a);
void kt_dw4_run7(const int8_t *r0, int cs, kt_dw4_run *a);
/* one tap: the input word in r9, the packed weights from [r8, #off] (3x3) or [r8], #8 (wider rows) */
#define KT_DW4_MAC(ldw)                                                                                              \
    ldw "sxtb16 r10, r9\n\t"                                                                                         \
    "sxtb16 r9, r9, ror #8\n\t"                                                                                      \
    "smlabb r4, r11, r10, r4\n\t"                                                                                    \
    "smlatt r6, r11, r10, r6\n\t"                                                                                    \
    "smlabb r5, r12, r9, r5\n\t"                                                                                     \
    "smlatt r7, r12, r9, r7\n\t"
#define KT_DW4_ATAP(addr, off) "ldr    r9, " addr "\n\t" KT_DW4_MAC("ldrd   r11, r12, [r8, #" off "]\n\t")
#define KT_DW4_WTAP(addr) "ldr    r9, " addr "\n\t" KT_DW4_MAC("ldrd   r11, r12, [r8], #8\n\t")
/* the four sums r4-r7 through the stage into y (and the mask), y and e one step on; temporaries r9-r12 */
#define KT_DW4_STORE                                                                                                 \
    "vmov   s4, s5, r4, r5\n\t"                                                                                      \
    "vmov   s6, s7, r6, r7\n\t"                                                                                      \
    "vcvt.f32.s32 s4, s4\n\t"                                                                                        \
    "vcvt.f32.s32 s5, s5\n\t"                                                                                        \
    "vcvt.f32.s32 s6, s6\n\t"                                                                                        \
    "vcvt.f32.s32 s7, s7\n\t"                                                                                        \
    "vmul.f32 s4, s4, s0\n\t"                                                                                        \
    "vmul.f32 s5, s5, s1\n\t"                                                                                        \
    "vmul.f32 s6, s6, s2\n\t"                                                                                        \
    "vmul.f32 s7, s7, s3\n\t"                                                                                        \
    "vcvtr.s32.f32 s4, s4\n\t"                                                                                       \
    "vcvtr.s32.f32 s5, s5\n\t"                                                                                       \
    "vcvtr.s32.f32 s6, s6\n\t"                                                                                       \
    "vcvtr.s32.f32 s7, s7\n\t"                                                                                       \
    "vmov   r4, r5, s4, s5\n\t"                                                                                      \
    "vmov   r6, r7, s6, s7\n\t"                                                                                      \
    "ldr    r9, [lr, #36]\n\t"                                                                                       \
    "qadd   r4, r4, r9\n\t"                                                                                          \
    "qadd   r5, r5, r9\n\t"                                                                                          \
    "qadd   r6, r6, r9\n\t"                                                                                          \
    "qadd   r7, r7, r9\n\t"                                                                                          \
    "ldr    r10, [lr, #60]\n\t"                                                                                      \
    "cmp    r10, #0\n\t"                                                                                             \
    "beq    8f\n\t"                                                                                                  \
    "movs   r11, #0\n\t" /* bit j: output j before the saturation in -128..127 */                                   \
    "add    r9, r4, #128\n\tcmp    r9, #256\n\tit     lo\n\torrlo  r11, r11, #1\n\t"                                  \
    "add    r9, r5, #128\n\tcmp    r9, #256\n\tit     lo\n\torrlo  r11, r11, #2\n\t"                                  \
    "add    r9, r6, #128\n\tcmp    r9, #256\n\tit     lo\n\torrlo  r11, r11, #4\n\t"                                  \
    "add    r9, r7, #128\n\tcmp    r9, #256\n\tit     lo\n\torrlo  r11, r11, #8\n\t"                                  \
    "ldr    r9, [lr, #64]\n\t"                                                                                       \
    "and    r12, r9, #7\n\t"                                                                                         \
    "lsl    r11, r11, r12\n\t"                                                                                       \
    "add    r10, r10, r9, lsr #3\n\t"                                                                                \
    "ldrb   r9, [r10]\n\t"                                                                                           \
    "cmp    r12, #0\n\t" /* the low or the high nibble */                                                           \
    "ite    eq\n\t"                                                                                                  \
    "biceq  r9, r9, #15\n\t"                                                                                         \
    "bicne  r9, r9, #240\n\t"                                                                                        \
    "orr    r9, r9, r11\n\t"                                                                                         \
    "strb   r9, [r10]\n\t"                                                                                           \
    "ldr    r9, [lr, #44]\n\t"                                                                                       \
    "ldr    r12, [lr, #64]\n\t"                                                                                      \
    "add    r12, r12, r9\n\t"                                                                                        \
    "str    r12, [lr, #64]\n"                                                                                        \
    "8:\n\t"                                                                                                         \
    "ssat   r4, #8, r4\n\t"                                                                                          \
    "ssat   r5, #8, r5\n\t"                                                                                          \
    "ssat   r6, #8, r6\n\t"                                                                                          \
    "ssat   r7, #8, r7\n\t"                                                                                          \
    "ldr    r10, [lr, #52]\n\t"                                                                                      \
    "strb   r4, [r10, #0]\n\t"                                                                                       \
    "strb   r5, [r10, #1]\n\t"                                                                                       \
    "strb   r6, [r10, #2]\n\t"                                                                                       \
    "strb   r7, [r10, #3]\n\t"                                                                                       \
    "ldr    r9, [lr, #44]\n\t"                                                                                       \
    "add    r10, r10, r9\n\t"                                                                                        \
    "str    r10, [lr, #52]\n\t"
#define KT_DW4_HEAD(name) KT_ASM_FUNC(name) "push   {r4-r11, lr}\n\t"
/* the pixel count down, on to the next pixel (r9 free) */
#define KT_DW4_NEXT(name)                                                                                            \
    "ldr    r9, [lr, #48]\n\t"                                                                                       \
    "subs   r9, r9, #1\n\t"                                                                                          \
    "str    r9, [lr, #48]\n\t"                                                                                       \
    "bne    1b\n\t"                                                                                                  \
    "pop    {r4-r11, pc}\n\t" KT_ASM_END(name)
__asm__(KT_DW4_HEAD("kt_dw4_run3")
        "mov    lr, r3\n\t"
        "mov    r3, r2\n\t"               /* cs */
        "add    r2, r0, r1, lsl #1\n\t"   /* the three input rows */
        "add    r1, r0, r1\n\t"
        "ldr    r8, [lr, #0]\n\t"
        "add    r12, lr, #20\n\t"
        "vldmia r12, {s0-s3}\n"
        "1:\n\t"
        "add    r12, lr, #4\n\t"
        "ldmia  r12, {r4-r7}\n\t"
        KT_DW4_ATAP("[r0]", "0") KT_DW4_ATAP("[r0, r3]", "8") KT_DW4_ATAP("[r0, r3, lsl #1]", "16")
        KT_DW4_ATAP("[r1]", "24") KT_DW4_ATAP("[r1, r3]", "32") KT_DW4_ATAP("[r1, r3, lsl #1]", "40")
        KT_DW4_ATAP("[r2]", "48") KT_DW4_ATAP("[r2, r3]", "56") KT_DW4_ATAP("[r2, r3, lsl #1]", "64")
        KT_DW4_STORE
        "ldr    r9, [lr, #40]\n\t"
        "add    r0, r0, r9\n\t"
        "add    r1, r1, r9\n\t"
        "add    r2, r2, r9\n\t"
        KT_DW4_NEXT("kt_dw4_run3"));
/* K 5 / 7: r0 the window, r1 cs, r2 the rows left, r3 the row pointer, r8 the weights (post-incremented) */
#define KT_DW4_WIDE(name, K, ROWTAPS)                                                                                \
    __asm__(KT_DW4_HEAD(name)                                                                                        \
            "mov    lr, r2\n\t"                                                                                      \
            "add    r12, lr, #20\n\t"                                                                                \
            "vldmia r12, {s0-s3}\n"                                                                                  \
            "1:\n\t"                                                                                                 \
            "add    r12, lr, #4\n\t"                                                                                 \
            "ldmia  r12, {r4-r7}\n\t"                                                                                \
            "ldr    r8, [lr, #0]\n\t"                                                                                \
            "mov    r3, r0\n\t"                                                                                      \
            "movs   r2, #" K "\n"                                                                                    \
            "2:\n\t" ROWTAPS                                                                                         \
            "ldr    r9, [lr, #56]\n\t"                                                                               \
            "add    r3, r3, r9\n\t"                                                                                  \
            "subs   r2, r2, #1\n\t"                                                                                  \
            "bne    2b\n\t" KT_DW4_STORE                                                                             \
            "ldr    r9, [lr, #40]\n\t"                                                                               \
            "add    r0, r0, r9\n\t" KT_DW4_NEXT(name))
#define KT_DW4_ROW3 KT_DW4_WTAP("[r3]") KT_DW4_WTAP("[r3, r1]") KT_DW4_WTAP("[r3, r1, lsl #1]")
#define KT_DW4_ROW2ON "add    r3, r3, r1, lsl #1\n\t" KT_DW4_WTAP("[r3, r1]") KT_DW4_WTAP("[r3, r1, lsl #1]")
KT_DW4_WIDE("kt_dw4_run5", "5", KT_DW4_ROW3 KT_DW4_ROW2ON);
KT_DW4_WIDE("kt_dw4_run7", "7", KT_DW4_ROW3 KT_DW4_ROW2ON KT_DW4_ROW2ON);
/*
 * A border pixel of a depthwise conv (dilation 1), four channels, the same stage: the taps inside the input (a
 * rectangle of the window, ncols x nrows) with x - x_zero as halfword pairs (SSUB16), from the plain biases in the
 * run block's bin. r0 the first tap's input word, r1 its packed weights, r2 the channel stride.
 */
typedef struct {
    kt_dw4_run r;  /* 0 */
    uint32_t zz;   /* 68: x_zero in both halfwords */
    int ncols;     /* 72 */
    int nrows;     /* 76 */
    int xskip;     /* 80: bytes from after a row's last tap to the next row's first */
    int wskip;     /* 84: the same in the packed weights */
} kt_dw4_edge;
void kt_dw4_edge_px(const int8_t *x0, const uint32_t *w0, int cs, kt_dw4_edge *a);
__asm__(KT_DW4_HEAD("kt_dw4_edge_px")
        "mov    lr, r3\n\t"
        "add    r12, lr, #20\n\t"
        "vldmia r12, {s0-s3}\n\t"
        "add    r12, lr, #4\n\t"
        "ldmia  r12, {r4-r7}\n\t"
        "mov    r3, r1\n\t"
        "mov    r1, r2\n\t"
        "ldr    r2, [lr, #68]\n"
        "2:\n\t"
        "ldr    r8, [lr, #72]\n"
        "3:\n\t"
        "ldr    r9, [r0]\n\t"
        "add    r0, r0, r1\n\t"
        "ldrd   r11, r12, [r3], #8\n\t"
        "sxtb16 r10, r9\n\t"
        "sxtb16 r9, r9, ror #8\n\t"
        "ssub16 r10, r10, r2\n\t"
        "ssub16 r9, r9, r2\n\t"
        "smlabb r4, r11, r10, r4\n\t"
        "smlatt r6, r11, r10, r6\n\t"
        "smlabb r5, r12, r9, r5\n\t"
        "smlatt r7, r12, r9, r7\n\t"
        "subs   r8, r8, #1\n\t"
        "bne    3b\n\t"
        "ldr    r9, [lr, #80]\n\t"
        "add    r0, r0, r9\n\t"
        "ldr    r9, [lr, #84]\n\t"
        "add    r3, r3, r9\n\t"
        "ldr    r9, [lr, #76]\n\t"
        "subs   r9, r9, #1\n\t"
        "str    r9, [lr, #76]\n\t"
        "bne    2b\n\t"
        KT_DW4_STORE
        "pop    {r4-r11, pc}\n\t"
        KT_ASM_END("kt_dw4_edge_px"));
/* A border pixel through kt_dw4_edge_px: the taps inside the input (out of line: once for every stage). */
static void __attribute__((noinline)) dw4_edge(const kt_conv *p, const int8_t *x, int iy0, int ix0,
                                               const uint32_t *wp, int8_t *y, int e, kt_dw4_edge *ea) {
    /* the window's rows and columns inside the input (dilation 1) */
    const int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + p->kh > p->in_h ? p->in_h - iy0 : p->kh;
    const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + p->kw > p->in_w ? p->in_w - ix0 : p->kw;
    const int c = p->cin, nc = kx1 - kx0;
    ea->r.y = y;
    ea->r.e = e;
    ea->ncols = nc;
    ea->nrows = ky1 - ky0;
    ea->xskip = (p->in_w - nc) * c;
    ea->wskip = (p->kw - nc) * 8;
    kt_dw4_edge_px(x + ((iy0 + ky0) * p->in_w + ix0 + kx0) * c, wp + 2 * (ky0 * p->kw + kx0), c, ea);
}
#define KT_DW4_RUN 1
#endif

/*
 * Depthwise (multiplier 1) in groups of four channels, the accumulators straight into the output stage. Interior
 * pixels fold the zero point into the bias (3x3 without dilation: taps reached from three row pointers), border
 * pixels subtract it from halfword pairs (SSUB16) over the taps inside the input. When the group's input with its
 * padding fits in plane (acc scratch, plane_bytes), it is copied there first with the padding at the zero point,
 * so that every pixel is interior (small feature maps, where most pixels are border pixels). Returns the channels
 * done.
 */
static inline __attribute__((always_inline)) int dw4_groups(const kt_conv *p, const int8_t *x, const int8_t *w,
                                                            const kt_slice *s, const int32_t *bias, int8_t *y,
                                                            uint8_t *mask, int32_t *off, int oy0, int oy1,
                                                            int ox0, int ox1, uint32_t *plane, int plane_bytes,
                                                            const kt_rq r, const int mode, const int full) {
    const int c = p->cin, taps = p->kh * p->kw, xz = p->x_zero, ow = p->out_w;
    const int k3 = p->kh == 3 && p->kw == 3 && p->dil_h == 1 && p->dil_w == 1;
    const int ph = (p->out_h - 1) * p->stride_h + (p->kh - 1) * p->dil_h + 1;
    const int pw = (p->out_w - 1) * p->stride_w + (p->kw - 1) * p->dil_w + 1;
    const int use_plane = (oy0 > 0 || ox0 > 0 || oy1 < p->out_h || ox1 < p->out_w) && ph * pw * 4 <= plane_bytes;
    /* the input as the loops see it: x (channel stride c) or the plane (channel stride 4, no padding) */
    const int cs = use_plane ? 4 : c, in_w = use_plane ? pw : p->in_w;
    const int pad_top = use_plane ? 0 : p->pad_top, pad_left = use_plane ? 0 : p->pad_left;
    if (use_plane) {
        for (int ky = 0; ky < p->kh; ky++) {
            for (int kx = 0; kx < p->kw; kx++) {
                off[ky * p->kw + kx] = (ky * p->dil_h * pw + kx * p->dil_w) * 4; /* the caller's, rewritten */
            }
        }
        oy0 = 0;
        oy1 = p->out_h;
        ox0 = 0;
        ox1 = ow;
    }
    const int rs = in_w * cs, c2 = 2 * cs, xstep = p->stride_w * cs;
    /* four channels' mask bits in one nibble: e = pixel * c + ch with c and ch multiples of four */
    const int nibble = (c & 3) == 0;
#if defined(KT_DW4_RUN)
    /* border pixels in assembly where the interior runs take the stage; every window meets the input (pad < k) */
    const int edge = full && p->dil_h == 1 && p->dil_w == 1 && (mask == NULL || nibble) && p->pad_top < p->kh
            && p->pad_left < p->kw && (p->out_h - 1) * p->stride_h - p->pad_top < p->in_h
            && (p->out_w - 1) * p->stride_w - p->pad_left < p->in_w;
#endif
    int ch = 0;
    for (; ch + 4 <= c; ch += 4) {
        uint32_t wp[2 * KT_MAX_TAPS]; /* per tap: (c, c+2) then (c+1, c+3) weights as halfword pairs */
        int32_t b4[4], bin4[4];
        dw4_prepare(p, x, w, s, bias, ch, use_plane ? plane : NULL, ph, pw, wp, b4, bin4);
        const uint32_t zz = ((uint32_t)(uint16_t)(int16_t)xz) * 0x00010001u;
        const int8_t *xg = use_plane ? (const int8_t *)plane : x + ch;
#if defined(KT_DW4_RUN)
        /* the assembly's blocks, set once per group: per run or pixel only the count, output and element change */
        kt_dw4_run ra = {wp, {bin4[0], bin4[1], bin4[2], bin4[3]},
                         {r.eff[ch], r.eff[ch + 1], r.eff[ch + 2], r.eff[ch + 3]}, r.zy, xstep, c, 0, y,
                         rs - (p->kw == 5 ? 2 : 4) * cs, mask, 0};
        kt_dw4_edge ea = {{wp, {b4[0], b4[1], b4[2], b4[3]}, {ra.eff[0], ra.eff[1], ra.eff[2], ra.eff[3]}, r.zy, 0,
                           c, 1, y, 0, mask, 0},
                          zz, 0, 0, 0, 0};
#endif
        for (int oy = 0; oy < p->out_h; oy++) {
            const int iy0 = oy * p->stride_h - pad_top;
            const int inner_y = oy >= oy0 && oy < oy1;
            for (int ox = 0; ox < ow; ox++) {
                const int ix0 = ox * p->stride_w - pad_left;
                const int e = (oy * ow + ox) * c + ch;
                int32_t a0, a1, a2, a3;
                if (inner_y && ox >= ox0 && ox < ox1) {
                    a0 = bin4[0];
                    a1 = bin4[1];
                    a2 = bin4[2];
                    a3 = bin4[3];
                    const int8_t *xp = xg + (iy0 * in_w + ix0) * cs;
#if defined(KT_DW4_RUN)
                    if (full && (k3 || (p->kw == p->kh && (p->kw == 5 || p->kw == 7) && p->dil_h == 1
                                                   && p->dil_w == 1)) && (mask == NULL || nibble)) {
                        /* the run to the last interior pixel of this row in assembly */
                        ra.n = ox1 - ox;
                        ra.y = y + e;
                        ra.e = e;
                        if (k3) {
                            kt_dw4_run3(xp, rs, cs, &ra);
                        } else if (p->kw == 5) {
                            kt_dw4_run5(xp, cs, &ra);
                        } else {
                            kt_dw4_run7(xp, cs, &ra);
                        }
                        ox = ox1 - 1;
                        continue;
                    }
#endif
                    if (k3) {
                        /* a run of interior pixels of this row, the three input rows stepping along */
                        const int8_t *r0 = xp, *r1 = xp + rs, *r2 = xp + 2 * rs;
                        int ee = e;
                        for (;;) {
                            KT_DW4_TAP(r0, wp[2 * 0], wp[2 * 0 + 1]);
                            KT_DW4_TAP(r0 + cs, wp[2 * 1], wp[2 * 1 + 1]);
                            KT_DW4_TAP(r0 + c2, wp[2 * 2], wp[2 * 2 + 1]);
                            KT_DW4_TAP(r1, wp[2 * 3], wp[2 * 3 + 1]);
                            KT_DW4_TAP(r1 + cs, wp[2 * 4], wp[2 * 4 + 1]);
                            KT_DW4_TAP(r1 + c2, wp[2 * 5], wp[2 * 5 + 1]);
                            KT_DW4_TAP(r2, wp[2 * 6], wp[2 * 6 + 1]);
                            KT_DW4_TAP(r2 + cs, wp[2 * 7], wp[2 * 7 + 1]);
                            KT_DW4_TAP(r2 + c2, wp[2 * 8], wp[2 * 8 + 1]);
                            dw4_store(r, mode, a0, a1, a2, a3, ch, ee, y, mask, nibble);
                            if (ox + 1 >= ox1) {
                                break;
                            }
                            ox++;
                            ee += c;
                            r0 += xstep;
                            r1 += xstep;
                            r2 += xstep;
                            a0 = bin4[0];
                            a1 = bin4[1];
                            a2 = bin4[2];
                            a3 = bin4[3];
                        }
                        continue;
                    }
                    if (p->kw == 5 || p->kw == 7) {
                        /* kernel rows of five or seven taps unrolled, the input pointer stepping along the row */
                        const uint32_t *wq = wp;
                        const int dcs = p->dil_w * cs, drs = p->dil_h * rs;
                        for (int ky = 0; ky < p->kh; ky++, xp += drs) {
                            const int8_t *q = xp;
                            KT_DW4_TAP(q, wq[0], wq[1]);
                            KT_DW4_TAP(q + dcs, wq[2], wq[3]);
                            q += 2 * dcs;
                            KT_DW4_TAP(q, wq[4], wq[5]);
                            KT_DW4_TAP(q + dcs, wq[6], wq[7]);
                            KT_DW4_TAP(q + 2 * dcs, wq[8], wq[9]);
                            if (p->kw == 7) {
                                q += 3 * dcs;
                                KT_DW4_TAP(q, wq[10], wq[11]);
                                KT_DW4_TAP(q + dcs, wq[12], wq[13]);
                                wq += 14;
                            } else {
                                wq += 10;
                            }
                        }
                    } else {
                        for (int t = 0; t < taps; t++) {
                            KT_DW4_TAP(xp + off[t], wp[2 * t], wp[2 * t + 1]);
                        }
                    }
                } else {
#if defined(KT_DW4_RUN)
                    if (edge) {
                        dw4_edge(p, x + ch, iy0, ix0, wp, y + e, e, &ea);
                        continue;
                    }
#endif
                    int32_t acc4[4];
                    dw4_border(p, x, ch, iy0, ix0, wp, b4, zz, acc4);
                    a0 = acc4[0];
                    a1 = acc4[1];
                    a2 = acc4[2];
                    a3 = acc4[3];
                }
                dw4_store(r, mode, a0, a1, a2, a3, ch, e, y, mask, nibble);
            }
        }
    }
    return ch;
}
#endif

static void conv_depthwise(const kt_conv *p, const int8_t *x, const int8_t *w, const kt_slice *s, const int32_t *bias,
                           int8_t *y, uint8_t *mask, int32_t *accr) {
    const int c = p->cin, taps = p->kh * p->kw, xz = p->x_zero;
    int32_t off[KT_MAX_TAPS];
    for (int ky = 0; ky < p->kh; ky++) {
        for (int kx = 0; kx < p->kw; kx++) {
            off[ky * p->kw + kx] = (ky * p->dil_h * p->in_w + kx * p->dil_w) * c;
        }
    }
    /* output rows/columns whose window lies inside the input */
    int oy0 = 0, oy1 = p->out_h, ox0 = 0, ox1 = p->out_w;
    while (oy0 < oy1 && oy0 * p->stride_h - p->pad_top < 0) {
        oy0++;
    }
    while (oy1 > oy0 && (oy1 - 1) * p->stride_h - p->pad_top + (p->kh - 1) * p->dil_h >= p->in_h) {
        oy1--;
    }
    while (ox0 < ox1 && ox0 * p->stride_w - p->pad_left < 0) {
        ox0++;
    }
    while (ox1 > ox0 && (ox1 - 1) * p->stride_w - p->pad_left + (p->kw - 1) * p->dil_w >= p->in_w) {
        ox1--;
    }
    int ch = 0;
#if defined(__ARM_FEATURE_DSP)
    const int plane_bytes = 4 * (2 * p->cout > 4 * p->out_w ? 2 * p->cout : 4 * p->out_w);
    kt_rq r;
    /* one copy of the code (the general stage); the full-range float stage's interior runs in assembly */
    const int rmode = rq_init(p, mask, &r);
    ch = dw4_groups(p, x, w, s, bias, y, mask, off, oy0, oy1, ox0, ox1, (uint32_t *)accr, plane_bytes, r,
                    RQ_GENERIC, rmode == RQ_FAST || rmode == RQ_MASK);
    for (int ky = 0; ch < c && ky < p->kh; ky++) {
        for (int kx = 0; kx < p->kw; kx++) {
            off[ky * p->kw + kx] = (ky * p->dil_h * p->in_w + kx * p->dil_w) * c; /* dw4_groups may have used off */
        }
    }
#endif
    for (; ch < c; ch++) {
        const int8_t *wr = s == NULL ? w + ch * taps : weight_row(p, w, s, ch);
        int32_t b = bias != NULL ? bias[ch] : 0, wsum = 0;
        for (int t = 0; t < taps; t++) {
            wsum += wr[t];
        }
        const int32_t b_in = b - xz * wsum;
        for (int oy = 0; oy < p->out_h; oy++) {
            const int iy0 = oy * p->stride_h - p->pad_top;
            const int inner_y = oy >= oy0 && oy < oy1;
            for (int ox = 0; ox < p->out_w; ox++) {
                const int ix0 = ox * p->stride_w - p->pad_left;
                int32_t acc;
                if (inner_y && ox >= ox0 && ox < ox1) {
                    const int8_t *xp = x + (iy0 * p->in_w + ix0) * c + ch;
#if defined(__ARM_FEATURE_DSP)
                    /* only the channels left over by the groups of four come here: no unrolled copies */
                    acc = dw_taps(b_in, wr, xp, off, taps);
#else
                    switch (taps) {
                    case 9:
                        acc = dw_taps9(b_in, wr, xp, off);
                        break;
                    case 25:
                        acc = dw_taps25(b_in, wr, xp, off);
                        break;
                    case 49:
                        acc = dw_taps49(b_in, wr, xp, off);
                        break;
                    default:
                        acc = dw_taps(b_in, wr, xp, off, taps);
                        break;
                    }
#endif
                } else {
                    /* the taps inside the input: a rectangle of the window */
                    int ky0, ky1, kx0, kx1;
                    window_rect(p, iy0, ix0, &ky0, &ky1, &kx0, &kx1);
                    acc = b;
                    for (int ky = ky0; ky < ky1; ky++) {
                        const int8_t *xr = x + ((iy0 + ky * p->dil_h) * p->in_w + ix0) * c + ch;
                        const int8_t *wt = wr + ky * p->kw;
                        for (int kx = kx0; kx < kx1; kx++) {
                            acc += (int32_t)wt[kx] * ((int32_t)xr[kx * p->dil_w * c] - xz);
                        }
                    }
                }
                accr[ox] = acc;
            }
            store_col(p, accr, p->out_w, ch, oy * p->out_w * c + ch, c, y, mask);
        }
    }
}

void kt_conv_fwd(const kt_conv *p, const int8_t *x, const int8_t *w, const kt_slice *s, const int32_t *bias, int8_t *y,
                 uint8_t *mask, int16_t *scratch, int32_t *acc) {
#if defined(__ARM_FEATURE_MVE)
    if (kt_conv_fwd_mve(p, x, w, s, bias, y, mask, acc)) {
        return;
    }
#endif
    if (p->groups == 1 && scratch != NULL && acc != NULL) {
        conv_dense(p, x, w, s, bias, y, mask, scratch, acc);
    } else if (p->groups == p->cin && p->cout == p->cin && p->groups > 1 && p->kh * p->kw <= KT_MAX_TAPS
            && acc != NULL) {
        conv_depthwise(p, x, w, s, bias, y, mask, acc);
    } else {
        kt_conv_fwd_ref(p, x, w, s, bias, y, mask);
    }
}

void kt_save_channels(const int8_t *x, int channels, const int32_t *kept, int nk, int pixels, int8_t *saved) {
    for (int p = 0; p < pixels; p++) {
        for (int j = 0; j < nk; j++) {
            saved[p * nk + j] = x[p * channels + kept[j]];
        }
    }
}

void kt_conv_out_grad(const kt_conv *p, const float *g_y, const uint8_t *mask, float *g_acc) {
    const int pixels = p->out_h * p->out_w, c = p->cout;
    if ((c & 7) == 0) {
        /* a pixel's channels start on a mask byte: eight elements per byte read, none multiplied when all clamped */
        for (int px = 0; px < pixels; px++) {
            const int base = px * c;
            for (int ch = 0; ch < c; ch += 8) {
                const int i = base + ch;
                const unsigned m = mask[i >> 3];
                float *o = g_acc + i;
                if (m == 0) {
                    for (int j = 0; j < 8; j++) {
                        o[j] = 0.0f;
                    }
                    continue;
                }
                const float *gy = g_y + i, *ge = p->grad_eff + ch;
#if defined(KT_VFP_BLOCKS)
                {
                    /* all eight products with one VLDM each for the gradients and the scales and one VSTM (in place
                     * too), then zeros where the output was clamped */
                    __asm__ volatile("vldmia %[gy], {s0-s7}\n\t"
                                     "vldmia %[ge], {s8-s15}\n\t"
                                     "vmul.f32 s0, s0, s8\n\tvmul.f32 s1, s1, s9\n\t"
                                     "vmul.f32 s2, s2, s10\n\tvmul.f32 s3, s3, s11\n\t"
                                     "vmul.f32 s4, s4, s12\n\tvmul.f32 s5, s5, s13\n\t"
                                     "vmul.f32 s6, s6, s14\n\tvmul.f32 s7, s7, s15\n\t"
                                     "vstmia %[o], {s0-s7}\n\t"
                                     :
                                     : [gy] "r"(gy), [ge] "r"(ge), [o] "r"(o)
                                     : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
                                       "s12", "s13", "s14", "s15", "memory");
                    for (unsigned z = ~m & 0xFFu; z != 0u; z &= z - 1u) {
                        o[__builtin_ctz(z)] = 0.0f; /* each clamped element, lowest first */
                    }
                    continue;
                }
#endif
                for (int j = 0; j < 8; j++) {
                    o[j] = (m >> j) & 1u ? gy[j] * ge[j] : 0.0f;
                }
            }
        }
        return;
    }
    int i = 0;
    for (int px = 0; px < pixels; px++) {
        for (int ch = 0; ch < c; ch++, i++) {
            g_acc[i] = mask_get(mask, i) ? g_y[i] * p->grad_eff[ch] : 0.0f;
        }
    }
}

void kt_conv_bias_grad(const kt_conv *p, const float *g_acc, float *g_b) {
    const int pixels = p->out_h * p->out_w, c = p->cout;
    int c8 = 0;
    /* eight channels' sums in registers over all pixels, each still from +0 in pixel order */
    for (; c8 + 8 <= c; c8 += 8) {
        float b0 = 0.0f, b1 = 0.0f, b2 = 0.0f, b3 = 0.0f, b4 = 0.0f, b5 = 0.0f, b6 = 0.0f, b7 = 0.0f;
        const float *row = g_acc + c8;
        for (int px = 0; px < pixels; px++, row += c) {
            b0 += row[0];
            b1 += row[1];
            b2 += row[2];
            b3 += row[3];
            b4 += row[4];
            b5 += row[5];
            b6 += row[6];
            b7 += row[7];
        }
        g_b[c8] = b0;
        g_b[c8 + 1] = b1;
        g_b[c8 + 2] = b2;
        g_b[c8 + 3] = b3;
        g_b[c8 + 4] = b4;
        g_b[c8 + 5] = b5;
        g_b[c8 + 6] = b6;
        g_b[c8 + 7] = b7;
    }
    if (c8 == c) {
        return;
    }
    g_acc += c8;
    g_b += c8;
    const int cr = c - c8;
    for (int ch = 0; ch < cr; ch++) {
        g_b[ch] = 0.0f;
    }
    for (int px = 0; px < pixels; px++) {
        const float *row = g_acc + px * c;
        for (int ch = 0; ch < cr; ch++) {
            g_b[ch] += row[ch];
        }
    }
}

#define KT_WG_CHUNK 32
/*
 * ConvBackward.weightGrad: every element a sum from +0 over output pixels in raster order. Terms with g_acc == 0
 * are skipped (adding a signed zero to a sum that started at +0 changes no bit).
 */
void kt_conv_weight_grad(const kt_conv *p, const int8_t *saved, const int32_t *kept, int nk, const float *g_acc,
                         float *g_w) {
    const int taps = p->kh * p->kw, cout = p->cout, xz = p->x_zero;
    const int depthwise = p->groups > 1 && p->groups == p->cin;
    int size;
    int x_stride;
    if (depthwise) {
        size = nk * (cout / p->cin) * taps;
        x_stride = nk;
    } else if (p->groups == 1) {
        size = cout * taps * nk;
        x_stride = nk;
    } else {
        size = cout * taps * (p->cin / p->groups);
        x_stride = p->cin;
    }
    for (int i = 0; i < size; i++) {
        g_w[i] = 0.0f;
    }
    const int mult = cout / p->cin;
    const int cin_g = p->cin / p->groups, cout_g = cout / p->groups;
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++) {
            const float *ga = g_acc + (oy * p->out_w + ox) * cout;
            KT_WINDOW(p, oy * p->stride_h - p->pad_top, ox * p->stride_w - p->pad_left, ky, kx, iy, ix) {
                const int8_t *xp = saved + (iy * p->in_w + ix) * x_stride;
                const int tap = ky * p->kw + kx;
                if (depthwise) {
                    for (int kk = 0; kk < nk; kk++) {
                        const float xv = (float)((int32_t)xp[kk] - xz);
                        const int cb = (kept == NULL ? kk : (int)kept[kk]) * mult;
                        for (int m = 0; m < mult; m++) {
                            const float a = ga[cb + m];
                            if (a != 0.0f) {
                                g_w[(kk * mult + m) * taps + tap] += a * xv;
                            }
                        }
                    }
                } else if (p->groups == 1) {
                    /* the saved row as floats once per pixel and tap, in chunks; four channels per pass */
                    for (int j0 = 0; j0 < nk; j0 += KT_WG_CHUNK) {
                        const int n = nk - j0 < KT_WG_CHUNK ? nk - j0 : KT_WG_CHUNK;
                        float xf[KT_WG_CHUNK];
                        for (int j = 0; j < n; j++) {
                            xf[j] = (float)((int32_t)xp[j0 + j] - xz);
                        }
                        int co = 0;
                        for (; co + 4 <= cout; co += 4) {
                            const float a0 = ga[co], a1 = ga[co + 1], a2 = ga[co + 2], a3 = ga[co + 3];
                            if (a0 == 0.0f && a1 == 0.0f && a2 == 0.0f && a3 == 0.0f) {
                                continue;
                            }
                            float *g0 = g_w + (co * taps + tap) * nk + j0, *g1 = g0 + taps * nk;
                            float *g2 = g1 + taps * nk, *g3 = g2 + taps * nk;
                            int j = 0;
#if defined(KT_VFP_BLOCKS)
                            int blocks = n >> 2;
                            if (blocks > 0) {
                                /* four elements of each row per pass, loaded and stored with one VLDM/VSTM */
                                const float *xq = xf;
                                __asm__ volatile(
                                    "1:\n\t"
                                    "vldmia %[x]!, {s4-s7}\n\t"
                                    "vldmia %[g0], {s16-s19}\n\t"
                                    "vldmia %[g1], {s20-s23}\n\t"
                                    "vldmia %[g2], {s24-s27}\n\t"
                                    "vldmia %[g3], {s28-s31}\n\t"
                                    "vmul.f32 s8, %[a0], s4\n\tvadd.f32 s16, s16, s8\n\t"
                                    "vmul.f32 s8, %[a0], s5\n\tvadd.f32 s17, s17, s8\n\t"
                                    "vmul.f32 s8, %[a0], s6\n\tvadd.f32 s18, s18, s8\n\t"
                                    "vmul.f32 s8, %[a0], s7\n\tvadd.f32 s19, s19, s8\n\t"
                                    "vmul.f32 s8, %[a1], s4\n\tvadd.f32 s20, s20, s8\n\t"
                                    "vmul.f32 s8, %[a1], s5\n\tvadd.f32 s21, s21, s8\n\t"
                                    "vmul.f32 s8, %[a1], s6\n\tvadd.f32 s22, s22, s8\n\t"
                                    "vmul.f32 s8, %[a1], s7\n\tvadd.f32 s23, s23, s8\n\t"
                                    "vmul.f32 s8, %[a2], s4\n\tvadd.f32 s24, s24, s8\n\t"
                                    "vmul.f32 s8, %[a2], s5\n\tvadd.f32 s25, s25, s8\n\t"
                                    "vmul.f32 s8, %[a2], s6\n\tvadd.f32 s26, s26, s8\n\t"
                                    "vmul.f32 s8, %[a2], s7\n\tvadd.f32 s27, s27, s8\n\t"
                                    "vmul.f32 s8, %[a3], s4\n\tvadd.f32 s28, s28, s8\n\t"
                                    "vmul.f32 s8, %[a3], s5\n\tvadd.f32 s29, s29, s8\n\t"
                                    "vmul.f32 s8, %[a3], s6\n\tvadd.f32 s30, s30, s8\n\t"
                                    "vmul.f32 s8, %[a3], s7\n\tvadd.f32 s31, s31, s8\n\t"
                                    "vstmia %[g0]!, {s16-s19}\n\t"
                                    "vstmia %[g1]!, {s20-s23}\n\t"
                                    "vstmia %[g2]!, {s24-s27}\n\t"
                                    "vstmia %[g3]!, {s28-s31}\n\t"
                                    "subs %[n], %[n], #1\n\t"
                                    "bne 1b\n\t"
                                    : [x] "+r"(xq), [g0] "+r"(g0), [g1] "+r"(g1), [g2] "+r"(g2), [g3] "+r"(g3),
                                      [n] "+r"(blocks)
                                    : [a0] "t"(a0), [a1] "t"(a1), [a2] "t"(a2), [a3] "t"(a3)
                                    : "s4", "s5", "s6", "s7", "s8", "s16", "s17", "s18", "s19", "s20", "s21",
                                      "s22", "s23", "s24", "s25", "s26", "s27", "s28", "s29", "s30", "s31", "cc",
                                      "memory");
                                j = n & ~3;
                                g0 -= j;
                                g1 -= j;
                                g2 -= j;
                                g3 -= j;
                            }
#endif
                            for (; j < n; j++) {
                                const float v = xf[j];
                                g0[j] += a0 * v;
                                g1[j] += a1 * v;
                                g2[j] += a2 * v;
                                g3[j] += a3 * v;
                            }
                        }
                        for (; co < cout; co++) {
                            const float a = ga[co];
                            if (a == 0.0f) {
                                continue;
                            }
                            float *gw = g_w + (co * taps + tap) * nk + j0;
                            for (int j = 0; j < n; j++) {
                                gw[j] += a * xf[j];
                            }
                        }
                    }
                } else {
                    const int row_len = cin_g;
                    for (int co = 0; co < cout; co++) {
                        const float a = ga[co];
                        if (a == 0.0f) {
                            continue;
                        }
                        const int8_t *xs = p->groups == 1 ? xp : xp + (co / cout_g) * cin_g;
                        float *gw = g_w + (co * taps + tap) * row_len;
                        for (int j = 0; j < row_len; j++) {
                            gw[j] += a * (float)((int32_t)xs[j] - xz);
                        }
                    }
                }
            }
        }
    }
}

/*
 * ConvBackward.inputGrad: every g_x element a sum from +0 over output pixels in raster order and, within a pixel,
 * output channels ascending (one tap per pair of pixels).
 */
/*
 * Gathered per input pixel: the (output pixel, tap) pairs that reach it in raster order of the output pixels (oy
 * ascending is ky descending, likewise x; at most one tap per output pixel), output channels ascending within a
 * pixel, summed from +0 into row[cin]; then stored, or added to g_x when accumulating.
 */
/*
 * Depthwise (multiplier 1) input gradient, gathered per input pixel: the (output pixel, tap) pairs that reach it are
 * listed once in raster order of the output pixels, then each channel sums them from +0 in that order.
 */
/*
 * The kernel rows reaching input row i (dilation 1), in closed form: t_hi, t_hi - stride, ... (n of them, ky
 * descending, that is output rows ascending), with the output rows o_lo, o_lo + 1, ...; returns n.
 */
static inline int dw_span(int i, int pad, int k, int stride, int out, int *t_hi, int *o_lo) {
    const int r = i + pad;
    int t = r < k - 1 ? r : k - 1;
    t -= (r - t) % stride;
    const int o = (r - t) / stride;
    if (t < 0 || o >= out) {
        return 0;
    }
    const int n = t / stride + 1;
    *t_hi = t;
    *o_lo = o;
    return n < out - o ? n : out - o;
}

/*
 * L (8 or 4) channels of one input pixel: the sums over the ny x nx (output pixel, tap) pairs that reach it, from +0
 * in raster order of the output pixels, into gx (added to it when accumulate). g: the gradients of the first pair,
 * stepping gs floats along a row and grs between rows; wt: its L weights as floats, stepping ws floats along a row
 * and wrs between rows (the weights are laid out so that ws >= 0).
 */
typedef struct {
    int gs, ws, grs, wrs;
} kt_dw8_steps;
/* The depthwise input gradients that take dw_lanes (Java: ConvInputGradInPlace.lanes). */
#define KT_DW_LANES(p) ((p)->dil_h == 1 && (p)->dil_w == 1 && (p)->kh * (p)->kw * 8 <= 768)

#if defined(KT_VFP_BLOCKS)
/* sums in s0-s7, gradients in s8-s15, weights in s16-s23: per pair one VLDM of the gradients, one of the weights */
#define KT_DWP_T(a, g, w) "vmul.f32 s24, " g ", " w "\n\tvadd.f32 " a ", " a ", s24\n\t"
#define KT_DWP_T4 KT_DWP_T("s0", "s8", "s16") KT_DWP_T("s1", "s9", "s17") KT_DWP_T("s2", "s10", "s18")              \
    KT_DWP_T("s3", "s11", "s19")
#define KT_DWP_T8 KT_DWP_T4 KT_DWP_T("s4", "s12", "s20") KT_DWP_T("s5", "s13", "s21") KT_DWP_T("s6", "s14", "s22")  \
    KT_DWP_T("s7", "s15", "s23")
#define KT_DWP_A4 "vadd.f32 s8, s8, s0\n\tvadd.f32 s9, s9, s1\n\tvadd.f32 s10, s10, s2\n\tvadd.f32 s11, s11, s3\n\t"
#define KT_DWP_A8 KT_DWP_A4 "vadd.f32 s12, s12, s4\n\tvadd.f32 s13, s13, s5\n\tvadd.f32 s14, s14, s6\n\t"            \
    "vadd.f32 s15, s15, s7\n\t"
#define KT_DWP_ASM(GREGS, WREGS, TERMS, ADDS, SUMS)                                                                  \
    __asm__ volatile("movs   %[n], #0\n\t"                                                                           \
                     "vmov   s0, s1, %[n], %[n]\n\t"                                                                 \
                     "vmov   s2, s3, %[n], %[n]\n\t"                                                                 \
                     "vmov   s4, s5, %[n], %[n]\n\t"                                                                 \
                     "vmov   s6, s7, %[n], %[n]\n"                                                                   \
                     "2:\n\t"                                                                                        \
                     "mov    %[gp], %[g]\n\t"                                                                        \
                     "mov    %[wp], %[w]\n\t"                                                                        \
                     "mov    %[n], %[nx]\n"                                                                          \
                     "1:\n\t"                                                                                        \
                     "vldmia %[gp], " GREGS "\n\t"                                                                   \
                     "vldmia %[wp], " WREGS "\n\t"                                                                   \
                     "add    %[gp], %[gp], %[gsb]\n\t"                                                               \
                     "add    %[wp], %[wp], %[wsb]\n\t" TERMS                                                          \
                     "subs   %[n], %[n], #1\n\t"                                                                     \
                     "bne    1b\n\t"                                                                                 \
                     "ldr    %[n], %[grb]\n\t"                                                                       \
                     "add    %[g], %[g], %[n]\n\t"                                                                   \
                     "ldr    %[n], %[wrb]\n\t"                                                                       \
                     "add    %[w], %[w], %[n]\n\t"                                                                   \
                     "subs   %[ny], %[ny], #1\n\t"                                                                   \
                     "bne    2b\n\t"                                                                                 \
                     "ldr    %[n], %[acc]\n\t"                                                                       \
                     "cmp    %[n], #0\n\t"                                                                           \
                     "beq    3f\n\t"                                                                                 \
                     "vldmia %[gx], " GREGS "\n\t" ADDS                                                               \
                     "vstmia %[gx], " GREGS "\n\t"                                                                   \
                     "b      4f\n"                                                                                   \
                     "3:\n\t"                                                                                        \
                     "vstmia %[gx], " SUMS "\n"                                                                      \
                     "4:\n"                                                                                          \
                     : [g] "+r"(g), [w] "+r"(wt), [ny] "+r"(ny), [gp] "=&r"(gp), [wp] "=&r"(wp), [n] "=&r"(n)       \
                     : [nx] "r"(nx), [gsb] "r"(gsb), [wsb] "r"(wsb), [grb] "m"(grb), [wrb] "m"(wrb), [gx] "r"(gx),    \
                       [acc] "m"(accumulate)                                                                         \
                     : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "s12", "s13",       \
                       "s14", "s15", "s16", "s17", "s18", "s19", "s20", "s21", "s22", "s23", "s24", "cc", "memory")
#endif

static inline __attribute__((always_inline)) void dw_lanes_pixel(const float *g, const float *wt, int ny, int nx,
                                                                 const kt_dw8_steps *st, float *gx, int accumulate,
                                                                 int lanes) {
#if defined(KT_VFP_BLOCKS)
    const int gsb = st->gs * 4, wsb = st->ws * 4, grb = st->grs * 4, wrb = st->wrs * 4;
    const float *gp, *wp;
    int n;
    if (lanes == 8) {
        KT_DWP_ASM("{s8-s15}", "{s16-s23}", KT_DWP_T8, KT_DWP_A8, "{s0-s7}");
    } else {
        KT_DWP_ASM("{s8-s11}", "{s16-s19}", KT_DWP_T4, KT_DWP_A4, "{s0-s3}");
    }
#else
    float a[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    for (int u = 0; u < ny; u++, g += st->grs, wt += st->wrs) {
        for (int v = 0; v < nx; v++) {
            for (int j = 0; j < lanes; j++) {
                a[j] += g[v * st->gs + j] * wt[v * st->ws + j];
            }
        }
    }
    for (int j = 0; j < lanes; j++) {
        gx[j] = accumulate ? gx[j] + a[j] : a[j];
    }
#endif
}

/* Channels [ch, ch + lanes) of depthwise_input_grad (dilation 1, lanes 8 or 4), their weights as floats in row,
 * [ky][kx reversed][lanes]: the taps reaching a pixel (ky and kx descending) walk it forwards. The gradient of output
 * pixel q, lane j is g_acc[q * gc + j] (gc = c with g_acc at channel ch, or lanes for a copy of the group). */
static void __attribute__((noinline)) dw_lanes(const kt_conv *p, const int8_t *w, const kt_slice *s,
                                               const float *g_acc, int gc, float *g_x, int accumulate, float *row,
                                               int ch, int lanes) {
    const int c = p->cin, taps = p->kh * p->kw, ow = p->out_w, kw = p->kw;
    const kt_dw8_steps st = {gc, lanes * p->stride_w, ow * gc, -lanes * p->stride_h * kw};
    for (int g = 0; g < lanes; g++) {
        const int8_t *wr = s == NULL ? w + (ch + g) * taps : weight_row(p, w, s, ch + g);
        for (int ky = 0; ky < p->kh; ky++) {
            for (int kx = 0; kx < kw; kx++) {
                row[(ky * kw + kw - 1 - kx) * lanes + g] = (float)wr[ky * kw + kx];
            }
        }
    }
    for (int iy = 0; iy < p->in_h; iy++) {
        int ky = 0, oy = 0;
        const int ny = dw_span(iy, p->pad_top, p->kh, p->stride_h, p->out_h, &ky, &oy);
        for (int ix = 0; ix < p->in_w; ix++) {
            float *gx = g_x + (iy * p->in_w + ix) * c + ch;
            int kx = 0, ox = 0;
            const int nx = dw_span(ix, p->pad_left, kw, p->stride_w, ow, &kx, &ox);
            if (ny == 0 || nx == 0) {
                for (int j = 0; j < lanes; j++) {
                    gx[j] = accumulate ? gx[j] + 0.0f : 0.0f;
                }
                continue;
            }
            dw_lanes_pixel(g_acc + (oy * ow + ox) * gc, row + (ky * kw + kw - 1 - kx) * lanes, ny, nx, &st, gx,
                           accumulate, lanes);
        }
    }
}

static void depthwise_input_grad(const kt_conv *p, const int8_t *w, const kt_slice *s, const float *g_acc,
                                 float *g_x, int accumulate, float *row) {
    const int c = p->cin, taps = p->kh * p->kw;
    int ch = 0;
    if (KT_DW_LANES(p)) {
        /* eight channels at a time, then four (the rest, and dilated convs, one channel at a time below) */
        for (; ch + 4 <= c; ch += ch + 8 <= c ? 8 : 4) {
            dw_lanes(p, w, s, g_acc + ch, c, g_x, accumulate, row, ch, ch + 8 <= c ? 8 : 4);
        }
    }
    if (ch == c) {
        return;
    }
    int32_t pix[KT_MAX_TAPS], tap[KT_MAX_TAPS];
    for (int iy = 0; iy < p->in_h; iy++) {
        for (int ix = 0; ix < p->in_w; ix++) {
            int cnt = 0;
            KT_REACH(p, iy, ix, ky, kx, oy, ox) {
                pix[cnt] = (oy * p->out_w + ox) * c;
                tap[cnt++] = ky * p->kw + kx;
            }
            float *gx = g_x + (iy * p->in_w + ix) * c;
            for (int k = ch; k < c; k++) {
                const int8_t *wr = s == NULL ? w + k * taps : weight_row(p, w, s, k);
                const float *ga = g_acc + k;
                float acc = 0.0f;
                for (int j = 0; j < cnt; j++) {
                    acc += ga[pix[j]] * (float)wr[tap[j]];
                }
                gx[k] = accumulate ? gx[k] + acc : acc;
            }
        }
    }
}

/*
 * Pointwise input gradient written straight into g_x: g_x[p, i] is a sum over output channels in ascending order
 * (one output pixel per input pixel), so blocks of four channels can run outermost, each converting a chunk of its
 * int8 weight rows to float once for all pixels. wf: 4 * KT_ROW_CHUNK floats.
 */
#define KT_ROW_CHUNK 64
/* The first kept channel at or after i0 (kept ascends: the chunked loops patch only the chunk's kept channels). */
static inline int kept_from(const kt_slice *s, int i0) {
    int k = 0;
    while (k < s->nk && s->kept[k] < i0) {
        k++;
    }
    return k;
}

/* Weight (co, i) of a pointwise conv whose kept channels live in a slice (flash holds zeros there). */
static void pointwise_chunk(const int8_t *wsrc, const kt_slice *s, int cin, int co, int i0, int n, float *f,
                            int fs) {
    const int8_t *src = wsrc + co * cin + i0;
    int j = 0;
    for (; j + 4 <= n; j += 4) {
        /* one word load for four weights */
        uint32_t v;
        memcpy(&v, src + j, 4);
        f[j * fs] = (float)(int8_t)v;
        f[(j + 1) * fs] = (float)(int8_t)(v >> 8);
        f[(j + 2) * fs] = (float)(int8_t)(v >> 16);
        f[(j + 3) * fs] = (float)(int8_t)(v >> 24);
    }
    for (; j < n; j++) {
        f[j * fs] = (float)src[j];
    }
    if (s != NULL && s->kept != NULL) {
        const int32_t *kept = s->kept;
        const int8_t *ws = s->w + co * s->nk;
        for (int k = kept_from(s, i0); k < s->nk && kept[k] < i0 + n; k++) {
            f[(kept[k] - i0) * fs] = (float)ws[k];
        }
    }
}

/* The weights (co + r, i0 + j), r < 4, j < n, into f[4 * j + r] (pointwise_chunk's interleaved form, four rows). */
#if defined(KT_VFP_BLOCKS)
/* groups of four columns in Cortex-M assembly: one word per row, the sixteen values extracted in pairs into s0-s15
 * (VMOV of two core registers), converted, stored by one VSTM (~3 instructions per weight instead of ~6.5) */
void kt_pw_cvt4(const int8_t *w, int stride, int groups, float *f);
__asm__(KT_ASM_FUNC("kt_pw_cvt4")
        "push   {r4-r11, lr}\n\t"
        "add    r4, r0, r1\n\t"
        "add    r5, r4, r1\n\t"
        "add    r6, r5, r1\n"
        "1:\n\t"
        "ldr    r7, [r0], #4\n\t"
        "ldr    r8, [r4], #4\n\t"
        "ldr    r9, [r5], #4\n\t"
        "ldr    r10, [r6], #4\n\t"
        "sxtb   r11, r7\n\tsxtb   r12, r8\n\tvmov   s0, s1, r11, r12\n\t"
        "sxtb   r11, r9\n\tsxtb   r12, r10\n\tvmov   s2, s3, r11, r12\n\t"
        "sbfx   r11, r7, #8, #8\n\tsbfx   r12, r8, #8, #8\n\tvmov   s4, s5, r11, r12\n\t"
        "sbfx   r11, r9, #8, #8\n\tsbfx   r12, r10, #8, #8\n\tvmov   s6, s7, r11, r12\n\t"
        "sbfx   r11, r7, #16, #8\n\tsbfx   r12, r8, #16, #8\n\tvmov   s8, s9, r11, r12\n\t"
        "sbfx   r11, r9, #16, #8\n\tsbfx   r12, r10, #16, #8\n\tvmov   s10, s11, r11, r12\n\t"
        "asr    r11, r7, #24\n\tasr    r12, r8, #24\n\tvmov   s12, s13, r11, r12\n\t"
        "asr    r11, r9, #24\n\tasr    r12, r10, #24\n\tvmov   s14, s15, r11, r12\n\t"
        "vcvt.f32.s32 s0, s0\n\tvcvt.f32.s32 s1, s1\n\tvcvt.f32.s32 s2, s2\n\tvcvt.f32.s32 s3, s3\n\t"
        "vcvt.f32.s32 s4, s4\n\tvcvt.f32.s32 s5, s5\n\tvcvt.f32.s32 s6, s6\n\tvcvt.f32.s32 s7, s7\n\t"
        "vcvt.f32.s32 s8, s8\n\tvcvt.f32.s32 s9, s9\n\tvcvt.f32.s32 s10, s10\n\tvcvt.f32.s32 s11, s11\n\t"
        "vcvt.f32.s32 s12, s12\n\tvcvt.f32.s32 s13, s13\n\tvcvt.f32.s32 s14, s14\n\tvcvt.f32.s32 s15, s15\n\t"
        "vstmia r3!, {s0-s15}\n\t"
        "subs   r2, r2, #1\n\t"
        "bne    1b\n\t"
        "pop    {r4-r11, pc}\n\t"
        KT_ASM_END("kt_pw_cvt4"));
#endif

static void pointwise_chunk4(const int8_t *wsrc, const kt_slice *s, int cin, int co, int i0, int n, float *f) {
    int j = 0;
#if defined(KT_VFP_BLOCKS)
    if (n >= 4) {
        kt_pw_cvt4(wsrc + co * cin + i0, cin, n >> 2, f);
        j = n & ~3;
    }
#endif
    for (; j < n; j++) {
        for (int r = 0; r < 4; r++) {
            f[4 * j + r] = (float)wsrc[(co + r) * cin + i0 + j];
        }
    }
    if (s != NULL && s->kept != NULL) {
        /* the slice's values at the kept channels of this chunk, the four rows' values of one channel together */
        const int32_t *kept = s->kept;
        const int nk = s->nk;
        const int8_t *ws = s->w + co * nk;
        for (int k = kept_from(s, i0); k < nk && kept[k] < i0 + n; k++) {
            float *d = f + 4 * (kept[k] - i0);
            d[0] = (float)ws[k];
            d[1] = (float)ws[nk + k];
            d[2] = (float)ws[2 * nk + k];
            d[3] = (float)ws[3 * nk + k];
        }
    }
}

/*
 * One block of four output channels into the sums d of np pixels (rows dstride apart) over n input channels; wi:
 * the block's float weights interleaved, wi[4*j + r] = W[co + r][i0 + j]. Each element adds its four terms in
 * channel order. On Cortex-M with an FPU, eight (then four) elements of a pixel per pass: one VLDM brings sixteen
 * weights, one the sums, one VSTM stores them (QEMU counts instructions, and VLDM/VSTM are one each). A pixel whose
 * four gradients are zero is skipped (adding a signed zero to a sum that started at +0 changes no bit).
 */
#if defined(KT_VFP_BLOCKS)
/*
 * The whole pixel loop of pointwise_block4 over the first n4 = n & ~3 elements in Cortex-M assembly: r0 the four
 * gradients of the first pixel, r1 wi, r2 d, r3 {np, gradient step and d step in bytes, n4 / 8, (n4 / 4) & 1}. A
 * pixel's four gradients tested for zero together (the OR of their bits without the sign), then in s9-s12.
 */
void kt_pw_block4(const float *ga, const float *wi, float *d, const int32_t *prm);
/* the sixteen terms of one pass: the weights s16-s31 times the gradients s9-s12 added to the four sums d0-d3 in
 * channel order */
#define KT_PW4_TERMS_R(d0, d1, d2, d3)                                                                               \
    KT_PW4_SUM_R(d0, "s16", "s17", "s18", "s19") KT_PW4_SUM_R(d1, "s20", "s21", "s22", "s23")                        \
    KT_PW4_SUM_R(d2, "s24", "s25", "s26", "s27") KT_PW4_SUM_R(d3, "s28", "s29", "s30", "s31")
#define KT_PW4_SUM_R(d, w0, w1, w2, w3)                                                                              \
    "vmul.f32 s8, s9, " w0 "\n\tvadd.f32 " d ", " d ", s8\n\t"                                                       \
    "vmul.f32 s8, s10, " w1 "\n\tvadd.f32 " d ", " d ", s8\n\t"                                                      \
    "vmul.f32 s8, s11, " w2 "\n\tvadd.f32 " d ", " d ", s8\n\t"                                                      \
    "vmul.f32 s8, s12, " w3 "\n\tvadd.f32 " d ", " d ", s8\n\t"
__asm__(KT_ASM_FUNC("kt_pw_block4")
        "push   {r4-r11, lr}\n\t"
        "vpush  {s16-s31}\n\t"
        "ldr    r4, [r3]\n\t"
        "ldr    lr, [r3, #12]\n\t"
        "cmp    r4, #0\n\t"
        "ble    9f\n"
        "1:\n\t"
        "ldmia  r0, {r5-r8}\n\t"
        "orr    r9, r5, r6\n\t"
        "orr    r9, r9, r7\n\t"
        "orr    r9, r9, r8\n\t"
        "lsls   r9, r9, #1\n\t"
        "beq    5f\n\t"
        "vmov   s9, s10, r5, r6\n\t"
        "vmov   s11, s12, r7, r8\n\t"
        "mov    r10, r1\n\t"
        "mov    r11, r2\n\t"
        "movs   r12, lr\n\t"
        "beq    3f\n"
        "2:\n\t"
        "vldmia r10!, {s16-s31}\n\t"
        "vldmia r11, {s0-s7}\n\t"
        KT_PW4_TERMS_R("s0", "s1", "s2", "s3")
        "vldmia r10!, {s16-s31}\n\t"
        KT_PW4_TERMS_R("s4", "s5", "s6", "s7")
        "vstmia r11!, {s0-s7}\n\t"
        "subs   r12, r12, #1\n\t"
        "bne    2b\n"
        "3:\n\t"
        "ldr    r12, [r3, #16]\n\t"
        "cmp    r12, #0\n\t"
        "beq    5f\n\t"
        "vldmia r10!, {s16-s31}\n\t"
        "vldmia r11, {s0-s3}\n\t"
        KT_PW4_TERMS_R("s0", "s1", "s2", "s3")
        "vstmia r11!, {s0-s3}\n"
        "5:\n\t"
        "ldr    r9, [r3, #4]\n\t"
        "add    r0, r0, r9\n\t"
        "ldr    r9, [r3, #8]\n\t"
        "add    r2, r2, r9\n\t"
        "subs   r4, r4, #1\n\t"
        "bne    1b\n"
        "9:\n\t"
        "vpop   {s16-s31}\n\t"
        "pop    {r4-r11, pc}\n\t"
        KT_ASM_END("kt_pw_block4"));
#endif

static void pointwise_block4(const float *g_acc, int cout, int co, int np, const float *wi, int n, float *d,
                             int dstride) {
#if defined(KT_VFP_BLOCKS)
    if (n >= 4) {
        const int32_t prm[5] = {np, cout * 4, dstride * 4, n >> 3, (n >> 2) & 1};
        kt_pw_block4(g_acc + co, wi, d, prm);
        if ((n & 3) == 0) {
            return;
        }
    }
#endif
    for (int q = 0; q < np; q++) {
        const float *ga = g_acc + q * cout + co;
        const float a0 = ga[0], a1 = ga[1], a2 = ga[2], a3 = ga[3];
        if (a0 == 0.0f && a1 == 0.0f && a2 == 0.0f && a3 == 0.0f) {
            continue;
        }
        float *dq = d + q * dstride;
        int j = 0;
#if defined(KT_VFP_BLOCKS)
        j = n & ~3; /* done by kt_pw_block4 */
#endif
        for (; j < n; j++) {
            const float *wj = wi + 4 * j;
            float v = dq[j];
            v += a0 * wj[0];
            v += a1 * wj[1];
            v += a2 * wj[2];
            v += a3 * wj[3];
            dq[j] = v;
        }
    }
}

/* One output channel (float weight chunk f) into the sums d of np pixels. */
static void pointwise_block1(const float *g_acc, int cout, int co, int np, const float *f, int n, float *d,
                             int dstride) {
    for (int q = 0; q < np; q++) {
        const float a = g_acc[q * cout + co];
        if (a == 0.0f) {
            continue;
        }
        float *dq = d + q * dstride;
        for (int j = 0; j < n; j++) {
            dq[j] += a * f[j];
        }
    }
}

static void pointwise_input_grad(const kt_conv *p, const int8_t *wsrc, const kt_slice *s, const float *g_acc,
                                 float *g_x, float *wf) {
    const int cin = p->cin, cout = p->cout, pixels = p->in_h * p->in_w;
    for (int i = 0; i < pixels * cin; i++) {
        g_x[i] = 0.0f;
    }
    int co = 0;
    for (; co + 4 <= cout; co += 4) {
        for (int i0 = 0; i0 < cin; i0 += KT_ROW_CHUNK) {
            const int n = cin - i0 < KT_ROW_CHUNK ? cin - i0 : KT_ROW_CHUNK;
            pointwise_chunk4(wsrc, s, cin, co, i0, n, wf);
            pointwise_block4(g_acc, cout, co, pixels, wf, n, g_x + i0, cin);
        }
    }
    for (; co < cout; co++) {
        for (int i0 = 0; i0 < cin; i0 += KT_ROW_CHUNK) {
            const int n = cin - i0 < KT_ROW_CHUNK ? cin - i0 : KT_ROW_CHUNK;
            pointwise_chunk(wsrc, s, cin, co, i0, n, wf, 1);
            pointwise_block1(g_acc, cout, co, pixels, wf, n, g_x + i0, cin);
        }
    }
}

/*
 * The same when g_x already holds a gradient (several consumers): each pixel's fresh sum is formed in a row of
 * scratch, a group of KT_PIXEL_GROUP pixels sharing every converted weight chunk of KT_ACC_CHUNK values, then added
 * to g_x. scratch: (4 + KT_PIXEL_GROUP) * KT_ACC_CHUNK floats.
 */
#define KT_PIXEL_GROUP 16
#define KT_ACC_CHUNK 32
static void pointwise_input_grad_acc(const kt_conv *p, const int8_t *wsrc, const kt_slice *s, const float *g_acc,
                                     float *g_x, float *scratch) {
    const int cin = p->cin, cout = p->cout, pixels = p->in_h * p->in_w;
    float *f = scratch, *r = f + 4 * KT_ACC_CHUNK;
    for (int px0 = 0; px0 < pixels; px0 += KT_PIXEL_GROUP) {
        const int np = pixels - px0 < KT_PIXEL_GROUP ? pixels - px0 : KT_PIXEL_GROUP;
        const float *ga = g_acc + px0 * cout;
        for (int i0 = 0; i0 < cin; i0 += KT_ACC_CHUNK) {
            const int n = cin - i0 < KT_ACC_CHUNK ? cin - i0 : KT_ACC_CHUNK;
            for (int j = 0; j < np * KT_ACC_CHUNK; j++) {
                r[j] = 0.0f;
            }
            int co = 0;
            for (; co + 4 <= cout; co += 4) {
                pointwise_chunk4(wsrc, s, cin, co, i0, n, f);
                pointwise_block4(ga, cout, co, np, f, n, r, KT_ACC_CHUNK);
            }
            for (; co < cout; co++) {
                pointwise_chunk(wsrc, s, cin, co, i0, n, f, 1);
                pointwise_block1(ga, cout, co, np, f, n, r, KT_ACC_CHUNK);
            }
            for (int q = 0; q < np; q++) {
                float *gx = g_x + (px0 + q) * cin + i0;
                const float *rq = r + q * KT_ACC_CHUNK;
                for (int j = 0; j < n; j++) {
                    gx[j] = gx[j] + rq[j];
                }
            }
        }
    }
}

void kt_conv_input_grad(const kt_conv *p, const int8_t *w, const kt_slice *s, const float *g_acc, float *g_x,
                        int accumulate, float *row) {
    if (p->groups == 1 && p->kh == 1 && p->kw == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0
            && p->pad_left == 0 && p->out_h == p->in_h && p->out_w == p->in_w) {
        const int8_t *wsrc = s == NULL || s->kept != NULL ? w : s->w;
        if (accumulate) {
            pointwise_input_grad_acc(p, wsrc, s, g_acc, g_x, row);
        } else {
            pointwise_input_grad(p, wsrc, s, g_acc, g_x, row);
        }
        return;
    }
    if (p->groups > 1 && p->groups == p->cin && p->cout == p->cin && p->kh * p->kw <= KT_MAX_TAPS) {
        depthwise_input_grad(p, w, s, g_acc, g_x, accumulate, row);
        return;
    }
    const int taps = p->kh * p->kw, cout = p->cout, cin = p->cin;
    const int cin_g = cin / p->groups, cout_g = cout / p->groups;
    const int depthwise = p->groups > 1 && p->groups == cin;
    for (int iy = 0; iy < p->in_h; iy++) {
        for (int ix = 0; ix < p->in_w; ix++) {
            for (int i = 0; i < cin; i++) {
                row[i] = 0.0f;
            }
            KT_REACH(p, iy, ix, ky, kx, oy, ox) {
                const float *ga = g_acc + (oy * p->out_w + ox) * cout;
                const int tap = ky * p->kw + kx;
                if (depthwise) {
                    for (int c = 0; c < cin; c++) {
                        float acc = row[c];
                        for (int m = 0; m < cout_g; m++) {
                            const int co = c * cout_g + m;
                            acc += ga[co] * (float)weight_row(p, w, s, co)[tap];
                        }
                        row[c] = acc;
                    }
                    continue;
                }
                int co = 0;
                if (p->groups == 1 && (s == NULL || s->kept == NULL)) {
                    /* four output channels per pass over the row: each element still adds its terms in channel
                     * order, and a term with a zero gradient adds a signed zero (no change) */
                    const int stride = taps * cin;
                    const int8_t *wb = (s == NULL ? w : s->w) + tap * cin;
                    for (; co + 4 <= cout; co += 4) {
                        const float a0 = ga[co], a1 = ga[co + 1], a2 = ga[co + 2], a3 = ga[co + 3];
                        if (a0 == 0.0f && a1 == 0.0f && a2 == 0.0f && a3 == 0.0f) {
                            continue;
                        }
                        const int8_t *w0 = wb + co * stride, *w1 = w0 + stride, *w2 = w1 + stride;
                        const int8_t *w3 = w2 + stride;
                        for (int i = 0; i < cin; i++) {
                            float v = row[i];
                            v += a0 * (float)w0[i];
                            v += a1 * (float)w1[i];
                            v += a2 * (float)w2[i];
                            v += a3 * (float)w3[i];
                            row[i] = v;
                        }
                    }
                }
                for (; co < cout; co++) {
                    const float a = ga[co];
                    if (a == 0.0f) {
                        continue;
                    }
                    float *r = row + (co / cout_g) * cin_g;
                    const int8_t *wrow = weight_row(p, w, s, co);
                    if (wrow != NULL) {
                        const int8_t *wr = wrow + tap * cin_g;
                        for (int i = 0; i < cin_g; i++) {
                            r[i] += a * (float)wr[i];
                        }
                        continue;
                    }
                    /* Frozen channels from flash (zeros at the kept ones add a signed zero: no change, the sums
                     * started at +0), then the kept channels: each element still gets its terms in order. */
                    const int8_t *wr = w + (co * taps + tap) * cin_g;
                    for (int i = 0; i < cin_g; i++) {
                        r[i] += a * (float)wr[i];
                    }
                    const int8_t *sw = s->w + (co * taps + tap) * s->nk;
                    for (int k = 0; k < s->nk; k++) {
                        r[s->kept[k]] += a * (float)sw[k];
                    }
                }
            }
            float *gx = g_x + (iy * p->in_w + ix) * cin;
            for (int i = 0; i < cin; i++) {
                gx[i] = accumulate ? gx[i] + row[i] : row[i];
            }
        }
    }
}
