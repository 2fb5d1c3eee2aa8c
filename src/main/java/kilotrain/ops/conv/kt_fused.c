/*
 * kilotrain fused forward kernels (see kt_fused.h). Integer sums are exact, so the order of the multiply-adds and
 * folding a zero point into the bias change no bit; each output goes through its conv's own output stage.
 */
#include "kt_fused.h"

#include <string.h>

#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
/* SXTB16 of the word rotated by 8: bytes 1 and 3 as int16 pairs, in one instruction */
static inline uint32_t sxtb16_odd(uint32_t v) {
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
}
#endif

#define KT_F_MAGIC 12582912.0f /* 1.5 * 2^23: adding it rounds to an integer, ties to even */
#define KT_F_MAGIC_BITS 0x4B400000

/* One output channel's stage: FloatRintRequantizer or FixedPointRequantizer, then the clamp and zero point. */
typedef struct {
    int float_rint, bounded;
    float eff;
    int32_t limit, mult, shift, lo, hi, zy;
} stage;

static void stage_of(const kt_conv *p, int c, stage *s) {
    s->float_rint = p->float_rint;
    s->bounded = p->acc_bounded;
    s->eff = p->float_rint ? p->eff[c] : 0.0f;
    s->limit = p->float_rint ? p->limit[c] : 0;
    s->mult = p->float_rint ? 0 : p->mult[c];
    s->shift = p->float_rint ? 0 : p->shift[c];
    s->lo = p->act_min - p->y_zero;
    s->hi = p->act_max - p->y_zero;
    s->zy = p->y_zero;
}

#if defined(__thumb2__) && defined(__ARM_FP) && (__ARM_FP & 4) && defined(__ARM_FEATURE_DSP)
#define KT_F_STAGE_ASM 1
/*
 * The full-range float stage of pairs of accumulators (Cortex-M assembly): out[j * step] = SSAT(QADD(kt_rq_rint(acc[j],
 * eff), zy)), four per pass (one LDM, VMOVs of two registers each way), an odd pair first.
 */
void kt_stage_pairs(const int32_t *acc, int pairs, int8_t *out, int step, const float *eff_zy);
__asm__(KT_ASM_FUNC("kt_stage_pairs")
        "push   {r4-r8, lr}\n\t"
        "ldr    r12, [sp, #24]\n\t"  /* eff, then zy as an int32 */
        "vldr   s0, [r12]\n\t"
        "ldr    r6, [r12, #4]\n\t"
        "lsrs   r1, r1, #1\n\t"      /* pairs of pairs, and carry: one pair first */
        "bcc    2f\n\t"
        "ldrd   r4, r5, [r0], #8\n\t"
        "vmov   s2, s3, r4, r5\n\t"
        "vcvt.f32.s32 s2, s2\n\t"
        "vcvt.f32.s32 s3, s3\n\t"
        "vmul.f32 s2, s2, s0\n\t"
        "vmul.f32 s3, s3, s0\n\t"
        "vcvtr.s32.f32 s2, s2\n\t"
        "vcvtr.s32.f32 s3, s3\n\t"
        "vmov   r4, r5, s2, s3\n\t"
        "qadd   r4, r4, r6\n\t"
        "qadd   r5, r5, r6\n\t"
        "ssat   r4, #8, r4\n\t"
        "ssat   r5, #8, r5\n\t"
        "strb   r4, [r2]\n\t"
        "strb   r5, [r2, r3]\n\t"
        "add    r2, r2, r3, lsl #1\n"
        "2:\n\t"
        "cmp    r1, #0\n\t"
        "beq    9f\n"
        "1:\n\t"                     /* four accumulators per pass */
        "ldmia  r0!, {r4, r5, r7, r8}\n\t"
        "vmov   s2, s3, r4, r5\n\t"
        "vmov   s4, s5, r7, r8\n\t"
        "vcvt.f32.s32 s2, s2\n\t"
        "vcvt.f32.s32 s3, s3\n\t"
        "vcvt.f32.s32 s4, s4\n\t"
        "vcvt.f32.s32 s5, s5\n\t"
        "vmul.f32 s2, s2, s0\n\t"
        "vmul.f32 s3, s3, s0\n\t"
        "vmul.f32 s4, s4, s0\n\t"
        "vmul.f32 s5, s5, s0\n\t"
        "vcvtr.s32.f32 s2, s2\n\t"
        "vcvtr.s32.f32 s3, s3\n\t"
        "vcvtr.s32.f32 s4, s4\n\t"
        "vcvtr.s32.f32 s5, s5\n\t"
        "vmov   r4, r5, s2, s3\n\t"
        "vmov   r7, r8, s4, s5\n\t"
        "qadd   r4, r4, r6\n\t"
        "qadd   r5, r5, r6\n\t"
        "qadd   r7, r7, r6\n\t"
        "qadd   r8, r8, r6\n\t"
        "ssat   r4, #8, r4\n\t"
        "ssat   r5, #8, r5\n\t"
        "ssat   r7, #8, r7\n\t"
        "ssat   r8, #8, r8\n\t"
        "strb   r4, [r2]\n\t"
        "strb   r5, [r2, r3]\n\t"
        "add    r2, r2, r3, lsl #1\n\t"
        "strb   r7, [r2]\n\t"
        "strb   r8, [r2, r3]\n\t"
        "add    r2, r2, r3, lsl #1\n\t"
        "subs   r1, r1, #1\n\t"
        "bne    1b\n"
        "9:\n\t"
        "pop    {r4-r8, pc}\n\t"
        KT_ASM_END("kt_stage_pairs"));
#endif

/* Requantizes n accumulators of one channel into out[j * step]: the stage's constants held in locals. */
static void stage_row(const stage *s, const int32_t *acc, int n, int8_t *out, int step) {
    const int32_t lo = s->lo, hi = s->hi, zy = s->zy;
    if (s->float_rint && lo + zy == -128 && hi + zy == 127 && (s->bounded || s->limit > 0)) {
        /* the full int8 range: any accumulator through kt_rq_rint, then one saturation */
        const float eff = s->eff;
        int j = 0;
#if defined(KT_F_STAGE_ASM)
        if (n >= 2 && ((uintptr_t)acc & 3) == 0) {
            union {
                float f;
                int32_t i;
            } ez[2];
            ez[0].f = eff;
            ez[1].i = zy;
            kt_stage_pairs(acc, n >> 1, out, step, &ez[0].f);
            j = n & ~1;
        }
#endif
        for (; j < n; j++) {
            out[j * step] = kt_sat8(kt_qadd(kt_rq_rint(acc[j], eff), zy));
        }
        return;
    }
    if (s->float_rint && s->bounded) {
        /* no accumulator can pass the limit (frozen conv, checked by the generator): no clamp before the multiply */
        const float eff = s->eff;
        for (int j = 0; j < n; j++) {
            float v = (float)acc[j] * eff + KT_F_MAGIC;
            uint32_t u;
            memcpy(&u, &v, 4);
            int32_t q = (int32_t)u - KT_F_MAGIC_BITS;
            q = q < lo ? lo : (q > hi ? hi : q);
            out[j * step] = (int8_t)(q + zy);
        }
        return;
    }
    if (s->float_rint) {
        const float eff = s->eff;
        const int32_t l = s->bounded ? 0x7fffffff : s->limit;
        for (int j = 0; j < n; j++) {
            const int32_t a0 = acc[j];
            const int32_t a = a0 < -l ? -l : (a0 > l ? l : a0);
            float v = (float)a * eff + KT_F_MAGIC;
            uint32_t u;
            memcpy(&u, &v, 4);
            int32_t q = (int32_t)u - KT_F_MAGIC_BITS;
            q = q < lo ? lo : (q > hi ? hi : q);
            out[j * step] = (int8_t)(q + zy);
        }
    } else {
        for (int j = 0; j < n; j++) {
            int32_t q = kt_mul_quantized(acc[j], s->mult, s->shift);
            q = q < lo ? lo : (q > hi ? hi : q);
            out[j * step] = (int8_t)(q + zy);
        }
    }
}

/* Longest row of accumulators the kernels keep on the stack before requantizing it. */
#define KT_F_ROW 64

int kt_conv_dw_plane_h(const kt_conv *d) {
    int a = d->in_h + d->pad_top, b = (d->out_h - 1) * d->stride_h + (d->kh - 1) * d->dil_h + 1;
    return a > b ? a : b;
}

int kt_conv_dw_plane_w(const kt_conv *d) {
    int a = d->in_w + d->pad_left, b = (d->out_w - 1) * d->stride_w + (d->kw - 1) * d->dil_w + 1;
    return a > b ? a : b;
}

int kt_conv_dw_plane_bytes(const kt_conv *d) {
    return kt_conv_dw_plane_h(d) * kt_conv_dw_plane_w(d);
}

/* Widest patch row (kw * cin values) the packed-weight paths take (words of packed int16 pairs on the stack). */
#define KT_F_MAX_PACKED 256

/* sum_i w[i] * x[i] over n int8 values. */
static inline int32_t dot_i8(const int8_t *x, const int8_t *w, int n) {
    int32_t s = 0;
    for (int i = 0; i < n; i++) {
        s += (int32_t)w[i] * (int32_t)x[i];
    }
    return s;
}

#if defined(__ARM_FEATURE_DSP)
/* n weights as SXTB16 pairs: word g of wa holds (w[4g], w[4g+2]), of wb (w[4g+1], w[4g+3]); the n % 4 rest stays. */
static void pack_weights(const int8_t *w, int n, uint32_t *wa, uint32_t *wb) {
    for (int g = 0; g < (n >> 2); g++) {
        uint32_t v;
        memcpy(&v, w + 4 * g, 4);
        wa[g] = __sxtb16(v);
        wb[g] = sxtb16_odd(v);
    }
}

/* Two dot products of n int8 values (x0, x1) with the same packed weights w (tail: w itself), added to a0, a1. */
static inline __attribute__((always_inline)) void dot2_packed(const int8_t *x0, const int8_t *x1, const uint32_t *wa, const uint32_t *wb,
                               const int8_t *w, int n, int32_t *a0, int32_t *a1) {
    int32_t s0 = *a0, s1 = *a1;
    const int groups = n >> 2;
    for (int g = 0; g < groups; g++) {
        uint32_t v0, v1;
        memcpy(&v0, x0 + 4 * g, 4);
        memcpy(&v1, x1 + 4 * g, 4);
        const uint32_t ea = wa[g], eb = wb[g];
        s0 = __smlad(__sxtb16(v0), ea, s0);
        s0 = __smlad(sxtb16_odd(v0), eb, s0);
        s1 = __smlad(__sxtb16(v1), ea, s1);
        s1 = __smlad(sxtb16_odd(v1), eb, s1);
    }
    for (int i = groups << 2; i < n; i++) {
        s0 += (int32_t)w[i] * (int32_t)x0[i];
        s1 += (int32_t)w[i] * (int32_t)x1[i];
    }
    *a0 = s0;
    *a1 = s1;
}

/* One dot product of n int8 values x with the packed weights (tail: w itself), added to a. */
static int32_t dot1_packed(const int8_t *x, const uint32_t *wa, const uint32_t *wb, const int8_t *w, int n,
                           int32_t a) {
    const int groups = n >> 2;
    for (int g = 0; g < groups; g++) {
        uint32_t v;
        memcpy(&v, x + 4 * g, 4);
        a = __smlad(__sxtb16(v), wa[g], a);
        a = __smlad(sxtb16_odd(v), wb[g], a);
    }
    for (int i = groups << 2; i < n; i++) {
        a += (int32_t)w[i] * (int32_t)x[i];
    }
    return a;
}
#endif

/*
 * Plane interior of a 1x1 stride-1 conv, one row at a time: acc = bias' + W[c] . x_q (input zero point folded into
 * bias'), then the row requantized into dst (row stride pstride). Inlined per common cin (a constant there, so the
 * group loop unrolls and the packed weights stay in registers).
 */
static inline __attribute__((always_inline)) void pointwise_body(const kt_conv *p, const int8_t *wc, int32_t b,
                                                                 const stage *s, const int8_t *x, int8_t *dst,
                                                                 int pstride, const int cin) {
    const int h = p->out_h, w = p->out_w;
    int32_t acc[KT_F_ROW];
#if defined(__ARM_FEATURE_DSP)
    uint32_t wa[KT_F_MAX_PACKED / 4], wb[KT_F_MAX_PACKED / 4];
    const int packed = cin <= KT_F_MAX_PACKED;
    if (packed) {
        pack_weights(wc, cin, wa, wb);
    }
#endif
    for (int r = 0; r < h; r++) {
        const int8_t *xr = x + r * w * cin;
        for (int q0 = 0; q0 < w; q0 += KT_F_ROW) {
            const int n = w - q0 < KT_F_ROW ? w - q0 : KT_F_ROW;
            int q = 0;
#if defined(__ARM_FEATURE_DSP)
            if (packed) {
                for (; q + 2 <= n; q += 2) {
                    const int8_t *x0 = xr + (q0 + q) * cin;
                    int32_t a0 = b, a1 = b;
                    dot2_packed(x0, x0 + cin, wa, wb, wc, cin, &a0, &a1);
                    acc[q] = a0;
                    acc[q + 1] = a1;
                }
            }
#endif
            for (; q < n; q++) {
                acc[q] = b + dot_i8(xr + (q0 + q) * cin, wc, cin);
            }
            stage_row(s, acc, n, dst + r * pstride + q0, 1);
        }
    }
}

static void pointwise_plane(const kt_conv *p, const int8_t *wc, int32_t b, const stage *s, const int8_t *x,
                            int8_t *dst, int pstride) {
    switch (p->cin) {
    case 8:
        pointwise_body(p, wc, b, s, x, dst, pstride, 8);
        break;
    case 16:
        pointwise_body(p, wc, b, s, x, dst, pstride, 16);
        break;
    case 24:
        pointwise_body(p, wc, b, s, x, dst, pstride, 24);
        break;
    case 32:
        pointwise_body(p, wc, b, s, x, dst, pstride, 32);
        break;
    default:
        pointwise_body(p, wc, b, s, x, dst, pstride, p->cin);
    }
}

/* Accumulator of an output pixel whose patch crosses the padding: padding taps skipped, zero point per tap. */
static int32_t border_acc(const kt_conv *p, const int8_t *wc, int32_t bias, const int8_t *x, int iy0, int ix0) {
    const int cin = p->cin, kw = p->kw, xz = p->x_zero;
    int32_t acc = bias;
    KT_WINDOW(p, iy0, ix0, ky, kx, iy, ix) {
        const int8_t *xp = x + (iy * p->in_w + ix) * cin, *wp = wc + (ky * kw + kx) * cin;
        for (int i = 0; i < cin; i++) {
            acc += (int32_t)wp[i] * ((int32_t)xp[i] - xz);
        }
    }
    return acc;
}

#if defined(__ARM_FEATURE_DSP)
/* One 3x3 tap row on RGB (9 bytes) for two pixels: two packed words and a last byte each. */
#define KT_F_STEM_ROW(q0, q1, ea, eb, fa, fb, t)                                                                    \
    do {                                                                                                             \
        uint32_t v0, u0, v1, u1;                                                                                     \
        memcpy(&v0, (q0), 4);                                                                                        \
        memcpy(&u0, (q0) + 4, 4);                                                                                    \
        memcpy(&v1, (q1), 4);                                                                                        \
        memcpy(&u1, (q1) + 4, 4);                                                                                    \
        a0 = __smlad(__sxtb16(v0), (ea), a0);                                                                        \
        a0 = __smlad(sxtb16_odd(v0), (eb), a0);                                                                      \
        a0 = __smlad(__sxtb16(u0), (fa), a0);                                                                        \
        a0 = __smlad(sxtb16_odd(u0), (fb), a0);                                                                      \
        a1 = __smlad(__sxtb16(v1), (ea), a1);                                                                        \
        a1 = __smlad(sxtb16_odd(v1), (eb), a1);                                                                      \
        a1 = __smlad(__sxtb16(u1), (fa), a1);                                                                        \
        a1 = __smlad(sxtb16_odd(u1), (fb), a1);                                                                      \
        a0 += (t) * (int32_t)(q0)[8];                                                                                \
        a1 += (t) * (int32_t)(q1)[8];                                                                                \
    } while (0)
#endif

#if defined(__thumb2__) && defined(__ARM_FEATURE_DSP)
#define KT_F_STEM_ASM 1
/*
 * The stem (3x3 on RGB, stride 2) in Cortex-M assembly: pairs of interior pixels of one plane row, each window row
 * as two packed words and a last byte per pixel (the other pixel 6 bytes on) against the row's packed weights (one
 * LDM of wblk: ea, eb, fa, fb, t per kernel row); the sums, from folded, into acc. The run's values in one block.
 */
typedef struct {
    int32_t folded; /* 0 */
    int32_t *acc;   /* 4 */
    int pairs;      /* 8: at least one */
    int rs;         /* 12: input row stride (unused by the loop: the row pointers come in r0-r2) */
} kt_stem_run;
void kt_stem_pairs(const int8_t *r0, const int8_t *r1, const int8_t *r2, const int32_t *wblk, kt_stem_run *a);
/* one kernel row of both pixels: row pointer R, its weights in r6-r10 */
#define KT_F_STEM_AROW(R)                                                                                            \
    "ldr    r11, [" R ", #0]\n\tsxtb16 r12, r11\n\tsxtb16 r11, r11, ror #8\n\t"                                       \
    "smlad  r4, r12, r6, r4\n\tsmlad  r4, r11, r7, r4\n\t"                                                           \
    "ldr    r11, [" R ", #4]\n\tsxtb16 r12, r11\n\tsxtb16 r11, r11, ror #8\n\t"                                       \
    "smlad  r4, r12, r8, r4\n\tsmlad  r4, r11, r9, r4\n\t"                                                           \
    "ldrsb  r11, [" R ", #8]\n\tsmlabb r4, r11, r10, r4\n\t"                                                         \
    "ldr    r11, [" R ", #6]\n\tsxtb16 r12, r11\n\tsxtb16 r11, r11, ror #8\n\t"                                       \
    "smlad  r5, r12, r6, r5\n\tsmlad  r5, r11, r7, r5\n\t"                                                           \
    "ldr    r11, [" R ", #10]\n\tsxtb16 r12, r11\n\tsxtb16 r11, r11, ror #8\n\t"                                      \
    "smlad  r5, r12, r8, r5\n\tsmlad  r5, r11, r9, r5\n\t"                                                           \
    "ldrsb  r11, [" R ", #14]\n\tsmlabb r5, r11, r10, r5\n\t"
__asm__(KT_ASM_FUNC("kt_stem_pairs")
        "push   {r4-r11, lr}\n\t"
        "ldr    lr, [sp, #36]\n" /* the run's block (fifth argument) */
        "1:\n\t"
        "ldr    r4, [lr, #0]\n\t"
        "mov    r5, r4\n\t"
        "ldmia  r3, {r6-r10}\n\t" KT_F_STEM_AROW("r0")
        "add    r12, r3, #20\n\t"
        "ldmia  r12, {r6-r10}\n\t" KT_F_STEM_AROW("r1")
        "add    r12, r3, #40\n\t"
        "ldmia  r12, {r6-r10}\n\t" KT_F_STEM_AROW("r2")
        "ldr    r12, [lr, #4]\n\t"
        "strd   r4, r5, [r12], #8\n\t"
        "str    r12, [lr, #4]\n\t"
        "add    r0, r0, #12\n\t"
        "add    r1, r1, #12\n\t"
        "add    r2, r2, #12\n\t"
        "ldr    r12, [lr, #8]\n\t"
        "subs   r12, r12, #1\n\t"
        "str    r12, [lr, #8]\n\t"
        "bne    1b\n\t"
        "pop    {r4-r11, pc}\n\t"
        KT_ASM_END("kt_stem_pairs"));
#endif

/*
 * Plane interior of any ungrouped conv: pixels whose whole patch lies inside the input take the folded bias and
 * contiguous patch rows (kw * cin values when dil_w is 1; two pixels per pass on DSP cores); border pixels skip the
 * padding taps and subtract the zero point per tap. stem (a constant): the 3x3 conv on 3 input channels, dilation 1,
 * whose three 9-byte patch rows meet the packed weights two pixels per pass.
 */
static inline __attribute__((always_inline)) void dense_body(const kt_conv *p, const int8_t *wc, int32_t bias,
                                                             const stage *s, const int8_t *x, int8_t *dst,
                                                             int pstride, const int row, const int stem) {
    const int cin = p->cin, kh = p->kh, kw = p->kw, xz = p->x_zero, sw = p->stride_w;
    (void)stem; /* the packed paths only */
    int32_t wsum = 0;
    for (int i = 0; i < kh * kw * cin; i++) {
        wsum += wc[i];
    }
    const int32_t folded = bias - xz * wsum;
    /* output columns whose patch lies inside the input: [x_lo, x_hi) */
    int x_lo = 0, x_hi = 0;
    for (int ox = 0; ox < p->out_w; ox++) {
        const int ix0 = ox * sw - p->pad_left;
        if (ix0 >= 0 && ix0 + (kw - 1) * p->dil_w < p->in_w) {
            if (x_hi == 0) {
                x_lo = ox;
            }
            x_hi = ox + 1;
        }
    }
#if defined(__ARM_FEATURE_DSP)
    uint32_t wa[KT_F_MAX_PACKED / 4], wb[KT_F_MAX_PACKED / 4];
    const int gpr = row >> 2;
    const int packed = p->dil_w == 1 && kh * gpr <= KT_F_MAX_PACKED / 4;
    if (packed) {
        for (int ky = 0; ky < kh; ky++) {
            pack_weights(wc + ky * row, row, wa + ky * gpr, wb + ky * gpr);
        }
    }
#endif
#if defined(KT_F_STEM_ASM)
    /* the stem's kernel rows for kt_stem_pairs (ea, eb, fa, fb, t) in wa's unused tail: no more stack */
    int32_t *wblk = (int32_t *)(void *)(wa + 16);
    if (stem && packed) {
        for (int ky = 0; ky < 3; ky++) {
            wblk[5 * ky] = (int32_t)wa[2 * ky];
            wblk[5 * ky + 1] = (int32_t)wb[2 * ky];
            wblk[5 * ky + 2] = (int32_t)wa[2 * ky + 1];
            wblk[5 * ky + 3] = (int32_t)wb[2 * ky + 1];
            wblk[5 * ky + 4] = wc[9 * ky + 8];
        }
    }
#endif
#if defined(__ARM_FEATURE_DSP)
    /* border pixels: one patch row at a time in wb's words after the packed rows (dilation 1) */
    int8_t *patch = packed && p->dil_h == 1 && kh * gpr + (row + 3) / 4 <= KT_F_MAX_PACKED / 4
            ? (int8_t *)(void *)(wb + kh * gpr) : NULL;
#endif
    int32_t acc[KT_F_ROW];
    for (int oy = 0; oy < p->out_h; oy++) {
        const int iy0 = oy * p->stride_h - p->pad_top;
        const int rows_in = iy0 >= 0 && iy0 + (kh - 1) * p->dil_h < p->in_h;
        for (int o0 = 0; o0 < p->out_w; o0 += KT_F_ROW) {
            const int n = p->out_w - o0 < KT_F_ROW ? p->out_w - o0 : KT_F_ROW;
            int j = 0;
            while (j < n) {
                const int ox = o0 + j, ix0 = ox * sw - p->pad_left;
                if (!rows_in || ox < x_lo || ox >= x_hi) {
#if defined(__ARM_FEATURE_DSP)
                    if (patch != NULL) {
                        /* the patch copied into wb's unused tail with the padding at the zero point, then the
                         * interior's folded bias and packed rows */
                        int32_t a = folded;
                        /* the window's columns inside the input: bytes [c0, c1) of each patch row */
                        const int c0 = (ix0 < 0 ? -ix0 : 0) * cin;
                        const int c1 = (ix0 + kw > p->in_w ? p->in_w - ix0 : kw) * cin;
                        for (int ky = 0; ky < kh; ky++) {
                            const int iy = iy0 + ky;
                            const int8_t *src = patch;
                            if (iy < 0 || iy >= p->in_h) {
                                for (int i = 0; i < row; i++) {
                                    patch[i] = (int8_t)xz;
                                }
                            } else if (c0 == 0 && c1 == row) {
                                src = x + (iy * p->in_w + ix0) * cin; /* the whole patch row is inside */
                            } else {
                                const int8_t *xr = x + (iy * p->in_w + ix0) * cin;
                                int i = 0;
                                for (; i < c0; i++) {
                                    patch[i] = (int8_t)xz;
                                }
                                for (; i < c1; i++) {
                                    patch[i] = xr[i];
                                }
                                for (; i < row; i++) {
                                    patch[i] = (int8_t)xz;
                                }
                            }
                            a = dot1_packed(src, wa + ky * gpr, wb + ky * gpr, wc + ky * row, row, a);
                        }
                        acc[j] = a;
                        j++;
                        continue;
                    }
#endif
                    acc[j] = border_acc(p, wc, bias, x, iy0, ix0);
                    j++;
                    continue;
                }
#if defined(__ARM_FEATURE_DSP)
#if defined(KT_F_STEM_ASM)
                if (stem && sw == 2 && packed && j + 1 < n && ox + 1 < x_hi) {
                    /* every interior pair left in this chunk of the row */
                    const int np = ((n - j) < (x_hi - ox) ? (n - j) : (x_hi - ox)) >> 1;
                    const int8_t *q = x + (iy0 * p->in_w + ix0) * 3;
                    kt_stem_run run = {folded, acc + j, np, 0};
                    kt_stem_pairs(q, q + p->in_w * 3, q + 2 * p->in_w * 3, wblk, &run);
                    j += 2 * np;
                    continue;
                }
#endif
                if (packed && j + 1 < n && ox + 1 < x_hi) {
                    int32_t a0 = folded, a1 = folded;
                    if (stem) {
                        const int8_t *q = x + (iy0 * p->in_w + ix0) * 3;
                        const int rs = p->in_w * 3, d = sw * 3;
                        KT_F_STEM_ROW(q, q + d, wa[0], wb[0], wa[1], wb[1], wc[8]);
                        KT_F_STEM_ROW(q + rs, q + rs + d, wa[2], wb[2], wa[3], wb[3], wc[17]);
                        KT_F_STEM_ROW(q + 2 * rs, q + 2 * rs + d, wa[4], wb[4], wa[5], wb[5], wc[26]);
                    } else {
                        for (int ky = 0; ky < kh; ky++) {
                            const int8_t *xr = x + ((iy0 + ky * p->dil_h) * p->in_w + ix0) * cin;
                            dot2_packed(xr, xr + sw * cin, wa + ky * gpr, wb + ky * gpr, wc + ky * row, row, &a0,
                                        &a1);
                        }
                    }
                    acc[j] = a0;
                    acc[j + 1] = a1;
                    j += 2;
                    continue;
                }
#endif
                int32_t a = folded;
#if defined(__ARM_FEATURE_DSP)
                if (packed) {
                    for (int ky = 0; ky < kh; ky++) {
                        a = dot1_packed(x + ((iy0 + ky * p->dil_h) * p->in_w + ix0) * cin, wa + ky * gpr, wb + ky * gpr,
                                        wc + ky * row, row, a);
                    }
                    acc[j] = a;
                    j++;
                    continue;
                }
#endif
                if (p->dil_w == 1) {
                    for (int ky = 0; ky < kh; ky++) {
                        a += dot_i8(x + ((iy0 + ky * p->dil_h) * p->in_w + ix0) * cin, wc + ky * row, row);
                    }
                } else {
                    for (int ky = 0; ky < kh; ky++) {
                        for (int kx = 0; kx < kw; kx++) {
                            a += dot_i8(x + ((iy0 + ky * p->dil_h) * p->in_w + ix0 + kx * p->dil_w) * cin,
                                        wc + (ky * kw + kx) * cin, cin);
                        }
                    }
                }
                acc[j] = a;
                j++;
            }
            stage_row(s, acc, n, dst + oy * pstride + o0, 1);
        }
    }
}

static void dense_plane(const kt_conv *p, const int8_t *wc, int32_t bias, const stage *s, const int8_t *x,
                        int8_t *dst, int pstride) {
    if (p->kh == 3 && p->kw == 3 && p->cin == 3 && p->dil_h == 1 && p->dil_w == 1) {
        dense_body(p, wc, bias, s, x, dst, pstride, 9, 1); /* 3x3 stem on RGB */
    } else {
        dense_body(p, wc, bias, s, x, dst, pstride, p->kw * p->cin, 0);
    }
}

/*
 * One output row of a KxK depthwise conv (dilation 1) from the padded plane, taps unrolled: stride 1 takes two
 * outputs per pass, each input byte loaded once for both.
 */
#define KT_F_DW_ROW(K)                                                                                               \
    static void dw_row_k##K(const int8_t *src, int pw, int sw, const int16_t *wt, int32_t b, int n, int32_t *acc) { \
        int j = 0;                                                                                                   \
        if (sw == 1) {                                                                                               \
            for (; j + 2 <= n; j += 2) {                                                                             \
                int32_t a0 = b, a1 = b;                                                                              \
                for (int ky = 0; ky < K; ky++) {                                                                     \
                    const int8_t *r = src + ky * pw + j;                                                             \
                    const int16_t *w = wt + ky * K;                                                                  \
                    int32_t x0 = r[0];                                                                               \
                    for (int kx = 0; kx < K; kx++) {                                                                 \
                        const int32_t x1 = r[kx + 1], wv = w[kx];                                                    \
                        a0 += wv * x0;                                                                               \
                        a1 += wv * x1;                                                                               \
                        x0 = x1;                                                                                     \
                    }                                                                                                \
                }                                                                                                    \
                acc[j] = a0;                                                                                         \
                acc[j + 1] = a1;                                                                                     \
            }                                                                                                        \
        }                                                                                                            \
        for (; j < n; j++) {                                                                                         \
            int32_t a = b;                                                                                           \
            for (int ky = 0; ky < K; ky++) {                                                                         \
                const int8_t *r = src + ky * pw + j * sw;                                                            \
                const int16_t *w = wt + ky * K;                                                                      \
                for (int kx = 0; kx < K; kx++) {                                                                     \
                    a += w[kx] * (int32_t)r[kx];                                                                     \
                }                                                                                                    \
            }                                                                                                        \
            acc[j] = a;                                                                                              \
        }                                                                                                            \
    }

KT_F_DW_ROW(5)
KT_F_DW_ROW(7)

#if defined(__ARM_FEATURE_DSP)
/* One input row's word x0..x3 of a 3x3 row pass: its SXTB16 halves e = (x0, x2), o = (x1, x3), and the first
 * output's three taps (packed pair pw, middle weight mw). */
#define KT_F_ROW3(r, pw, mw)                                                                                         \
    do {                                                                                                             \
        memcpy(&v, (r), 4);                                                                                          \
        e = __sxtb16(v);                                                                                             \
        o = sxtb16_odd(v);                                                                                           \
        a0 = __smlabb((int32_t)o, (int32_t)(mw), __smlad(e, (pw), a0));                                              \
    } while (0)
#endif

#if defined(KT_F_STEM_ASM)
/*
 * Pairs of outputs of a 3x3 row (stride 1 or 2) in Cortex-M assembly: r0 the first window's top row (rows pw apart),
 * r1 pw, r2 {p0, p1, p2, q01, q2, b, pairs} (p: a kernel row's (w0, w2) as an int16 pair, q01: (w1, w4), q2: w7),
 * r3 acc. Per kernel row one word x0..x3 split by SXTB16 into (x0, x2) and (x1, x3); stride 2 loads x4 as well.
 */
void kt_dw3_pairs_s1(const int8_t *src, int pw, const int32_t *blk, int32_t *acc);
void kt_dw3_pairs_s2(const int8_t *src, int pw, const int32_t *blk, int32_t *acc);
#define KT_F_DW3_HEAD(name)                                                                                          \
    KT_ASM_FUNC(name)                                                                                                \
    "push   {r4-r11, lr}\n\t"                                                                                        \
    "sub    sp, sp, #8\n\t"                                                                                          \
    "ldr    r12, [r2, #20]\n\t"                                                                                      \
    "str    r12, [sp]\n\t"                                                                                           \
    "ldr    lr, [r2, #24]\n\t"                                                                                       \
    "ldmia  r2, {r6-r10}\n\t"                                                                                        \
    "add    r2, r0, r1, lsl #1\n\t"                                                                                  \
    "add    r1, r0, r1\n"                                                                                             \
    "1:\n\t"                                                                                                         \
    "ldr    r4, [sp]\n\t"                                                                                            \
    "mov    r5, r4\n\t"
#define KT_F_DW3_TAIL(name, step)                                                                                    \
    "strd   r4, r5, [r3], #8\n\t"                                                                                    \
    "add    r0, r0, #" step "\n\t"                                                                                   \
    "add    r1, r1, #" step "\n\t"                                                                                   \
    "add    r2, r2, #" step "\n\t"                                                                                   \
    "subs   lr, lr, #1\n\t"                                                                                          \
    "bne    1b\n\t"                                                                                                  \
    "add    sp, sp, #8\n\t"                                                                                          \
    "pop    {r4-r11, pc}\n\t" KT_ASM_END(name)
/* stride 1, kernel row R, weights P, middle weight (half H of Q): a0 += x0 w0 + x2 w2 + x1 w1; a1 += x1 w0 + x3 w2
 * + x2 w1 */
#define KT_F_DW3_S1(R, P, Q, H)                                                                                      \
    "ldr    r11, [" R "]\n\tsxtb16 r12, r11\n\tsxtb16 r11, r11, ror #8\n\t"                                          \
    "smlad  r4, r12, " P ", r4\n\tsmlab" H " r4, r11, " Q ", r4\n\t"                                                 \
    "smlad  r5, r11, " P ", r5\n\tsmlat" H " r5, r12, " Q ", r5\n\t"
/* stride 2: a0 += x0 w0 + x2 w2 + x1 w1; a1 += x2 w0 + x3 w1 + x4 w2 */
#define KT_F_DW3_S2(R, P, Q, H)                                                                                      \
    "ldr    r11, [" R "]\n\tsxtb16 r12, r11\n\tsxtb16 r11, r11, ror #8\n\t"                                          \
    "smlad  r4, r12, " P ", r4\n\tsmlab" H " r4, r11, " Q ", r4\n\t"                                                 \
    "smlatb r5, r12, " P ", r5\n\tsmlat" H " r5, r11, " Q ", r5\n\t"                                                 \
    "ldrsb  r11, [" R ", #4]\n\tsmlabt r5, r11, " P ", r5\n\t"
__asm__(KT_F_DW3_HEAD("kt_dw3_pairs_s1")
        KT_F_DW3_S1("r0", "r6", "r9", "b") KT_F_DW3_S1("r1", "r7", "r9", "t") KT_F_DW3_S1("r2", "r8", "r10", "b")
        KT_F_DW3_TAIL("kt_dw3_pairs_s1", "2"));
__asm__(KT_F_DW3_HEAD("kt_dw3_pairs_s2")
        KT_F_DW3_S2("r0", "r6", "r9", "b") KT_F_DW3_S2("r1", "r7", "r9", "t") KT_F_DW3_S2("r2", "r8", "r10", "b")
        KT_F_DW3_TAIL("kt_dw3_pairs_s2", "4"));
#endif

/* 3x3 rows with the nine weights in locals, two outputs per pass sharing their loads (stride 1 or 2). */
static void dw_row_k3(const int8_t *src, int pw, int sw, const int16_t *wt, int32_t b, int n, int32_t *acc) {
    const int32_t w0 = wt[0], w1 = wt[1], w2 = wt[2], w3 = wt[3], w4 = wt[4], w5 = wt[5], w6 = wt[6], w7 = wt[7],
                  w8 = wt[8];
    const int8_t *r0 = src, *r1 = src + pw, *r2 = src + 2 * pw;
    int j = 0;
#if defined(__ARM_FEATURE_DSP)
    /* taps as int16 pairs: (w0, w2) of each row for SMLAD against (x0, x2) or (x1, x3), w1 alone for the middle */
    const uint32_t p0 = (uint32_t)(w0 & 0xffff) | ((uint32_t)w2 << 16), q0 = (uint32_t)(w1 & 0xffff);
    const uint32_t p1 = (uint32_t)(w3 & 0xffff) | ((uint32_t)w5 << 16), q1 = (uint32_t)(w4 & 0xffff);
    const uint32_t p2 = (uint32_t)(w6 & 0xffff) | ((uint32_t)w8 << 16), q2 = (uint32_t)(w7 & 0xffff);
#if defined(KT_F_STEM_ASM)
    if ((sw == 1 || sw == 2) && n >= 2) {
        const int32_t blk[7] = {(int32_t)p0, (int32_t)p1, (int32_t)p2, (int32_t)(q0 | ((uint32_t)w4 << 16)),
                                (int32_t)q2, b, n >> 1};
        if (sw == 1) {
            kt_dw3_pairs_s1(src, pw, blk, acc);
        } else {
            kt_dw3_pairs_s2(src, pw, blk, acc);
        }
        j = n & ~1;
        r0 += j * sw;
        r1 += j * sw;
        r2 += j * sw;
    }
#endif
    if (sw == 1) {
        /* out j: w0 x0 + w1 x1 + w2 x2; out j+1: w0 x1 + w1 x2 + w2 x3, from one word x0..x3 per row */
        for (; j + 2 <= n; j += 2, r0 += 2, r1 += 2, r2 += 2) {
            int32_t a0 = b, a1 = b;
            uint32_t v, e, o;
            KT_F_ROW3(r0, p0, q0);
            a1 = __smlatb((int32_t)e, (int32_t)q0, __smlad(o, p0, a1));
            KT_F_ROW3(r1, p1, q1);
            a1 = __smlatb((int32_t)e, (int32_t)q1, __smlad(o, p1, a1));
            KT_F_ROW3(r2, p2, q2);
            a1 = __smlatb((int32_t)e, (int32_t)q2, __smlad(o, p2, a1));
            acc[j] = a0;
            acc[j + 1] = a1;
        }
    } else if (sw == 2) {
        /* out j: w0 x0 + w1 x1 + w2 x2; out j+1: w0 x2 + w1 x3 + w2 x4 */
        for (; j + 2 <= n; j += 2, r0 += 4, r1 += 4, r2 += 4) {
            int32_t a0 = b, a1 = b;
            uint32_t v, e, o;
            KT_F_ROW3(r0, p0, q0);
            a1 = __smlatb((int32_t)o, (int32_t)q0, __smlatb((int32_t)e, (int32_t)p0, a1)) + w2 * r0[4];
            KT_F_ROW3(r1, p1, q1);
            a1 = __smlatb((int32_t)o, (int32_t)q1, __smlatb((int32_t)e, (int32_t)p1, a1)) + w5 * r1[4];
            KT_F_ROW3(r2, p2, q2);
            a1 = __smlatb((int32_t)o, (int32_t)q2, __smlatb((int32_t)e, (int32_t)p2, a1)) + w8 * r2[4];
            acc[j] = a0;
            acc[j + 1] = a1;
        }
    }
#else
    if (sw == 1) {
        for (; j + 2 <= n; j += 2, r0 += 2, r1 += 2, r2 += 2) {
            int32_t a0 = b, a1 = b, x0, x1, x2, x3;
            x0 = r0[0], x1 = r0[1], x2 = r0[2], x3 = r0[3];
            a0 += w0 * x0 + w1 * x1 + w2 * x2;
            a1 += w0 * x1 + w1 * x2 + w2 * x3;
            x0 = r1[0], x1 = r1[1], x2 = r1[2], x3 = r1[3];
            a0 += w3 * x0 + w4 * x1 + w5 * x2;
            a1 += w3 * x1 + w4 * x2 + w5 * x3;
            x0 = r2[0], x1 = r2[1], x2 = r2[2], x3 = r2[3];
            a0 += w6 * x0 + w7 * x1 + w8 * x2;
            a1 += w6 * x1 + w7 * x2 + w8 * x3;
            acc[j] = a0;
            acc[j + 1] = a1;
        }
    } else if (sw == 2) {
        for (; j + 2 <= n; j += 2, r0 += 4, r1 += 4, r2 += 4) {
            int32_t a0 = b, a1 = b, x0, x1, x2, x3, x4;
            x0 = r0[0], x1 = r0[1], x2 = r0[2], x3 = r0[3], x4 = r0[4];
            a0 += w0 * x0 + w1 * x1 + w2 * x2;
            a1 += w0 * x2 + w1 * x3 + w2 * x4;
            x0 = r1[0], x1 = r1[1], x2 = r1[2], x3 = r1[3], x4 = r1[4];
            a0 += w3 * x0 + w4 * x1 + w5 * x2;
            a1 += w3 * x2 + w4 * x3 + w5 * x4;
            x0 = r2[0], x1 = r2[1], x2 = r2[2], x3 = r2[3], x4 = r2[4];
            a0 += w6 * x0 + w7 * x1 + w8 * x2;
            a1 += w6 * x2 + w7 * x3 + w8 * x4;
            acc[j] = a0;
            acc[j + 1] = a1;
        }
    }
#endif
    for (; j < n; j++) {
        const int8_t *q0 = src + j * sw, *q1 = q0 + pw, *q2 = q1 + pw;
        acc[j] = b + w0 * q0[0] + w1 * q0[1] + w2 * q0[2] + w3 * q1[0] + w4 * q1[1] + w5 * q1[2] + w6 * q2[0]
                 + w7 * q2[1] + w8 * q2[2];
    }
}

/* Depthwise output channel c from the padded plane (frame at the zero point, folded into bias'). */
static void depthwise_from_plane(const kt_conv *d, const int8_t *wd, int32_t b, const stage *s, const int8_t *plane,
                                 int pw, int8_t *y, int c) {
    const int oh = d->out_h, ow = d->out_w, C = d->cout, sh = d->stride_h, sw = d->stride_w;
    const int kh = d->kh, kw = d->kw, dh = d->dil_h, dw = d->dil_w;
    int16_t wt[49]; /* int16: this frame adds to the stem's on the deepest stack path */
    int32_t acc[KT_F_ROW];
    const int unrolled = kh == kw && (kh == 3 || kh == 5 || kh == 7) && dh == 1 && dw == 1;
    if (unrolled) {
        for (int t = 0; t < kh * kw; t++) {
            wt[t] = wd[t];
        }
    }
    for (int oy = 0; oy < oh; oy++) {
        for (int o0 = 0; o0 < ow; o0 += KT_F_ROW) {
            const int n = ow - o0 < KT_F_ROW ? ow - o0 : KT_F_ROW;
            const int8_t *src = plane + oy * sh * pw + o0 * sw;
            if (unrolled) {
                if (kh == 3) {
                    dw_row_k3(src, pw, sw, wt, b, n, acc);
                } else if (kh == 5) {
                    dw_row_k5(src, pw, sw, wt, b, n, acc);
                } else {
                    dw_row_k7(src, pw, sw, wt, b, n, acc);
                }
            } else {
                for (int j = 0; j < n; j++) {
                    const int8_t *pp = src + j * sw;
                    int32_t a = b;
                    for (int ky = 0; ky < kh; ky++) {
                        const int8_t *row = pp + ky * dh * pw;
                        const int8_t *wr = wd + ky * kw;
                        for (int kx = 0; kx < kw; kx++) {
                            a += (int32_t)wr[kx] * (int32_t)row[kx * dw];
                        }
                    }
                    acc[j] = a;
                }
            }
            stage_row(s, acc, n, y + (oy * ow + o0) * C + c, C);
        }
    }
}

void kt_conv_dw_fwd(const kt_conv *p, const int8_t *p_w, const int32_t *p_b, const kt_conv *d, const int8_t *d_w,
                    const int32_t *d_b, const int8_t *x, int8_t *plane, int8_t *y) {
    const int ph = kt_conv_dw_plane_h(d), pw = kt_conv_dw_plane_w(d);
    const int k = p->kh * p->kw * p->cin, taps = d->kh * d->kw, ez = d->x_zero;
    const int pointwise = p->kh == 1 && p->kw == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0
                          && p->pad_left == 0 && p->out_h == p->in_h && p->out_w == p->in_w;
    /* the frame (d's padding) holds E's zero point for every channel; only the interior changes */
    memset(plane, (unsigned char)(int8_t)ez, (size_t)ph * (size_t)pw);
    int8_t *interior = plane + d->pad_top * pw + d->pad_left;
    for (int c = 0; c < p->cout; c++) {
        stage sp, sd;
        stage_of(p, c, &sp);
        stage_of(d, c, &sd);
        const int8_t *wc = p_w + c * k;
        const int32_t bias = p_b != NULL ? p_b[c] : 0;
        if (pointwise) {
            int32_t wsum = 0;
            for (int i = 0; i < k; i++) {
                wsum += wc[i];
            }
            pointwise_plane(p, wc, bias - p->x_zero * wsum, &sp, x, interior, pw);
        } else {
            dense_plane(p, wc, bias, &sp, x, interior, pw);
        }
        const int8_t *wd = d_w + c * taps;
        int32_t dsum = 0;
        for (int t = 0; t < taps; t++) {
            dsum += wd[t];
        }
        depthwise_from_plane(d, wd, (d_b != NULL ? d_b[c] : 0) - ez * dsum, &sd, plane, pw, y, c);
    }
}

void kt_conv_dw_inplace(const kt_conv *d, const int8_t *d_w, const int32_t *d_b, const int8_t *x, int8_t *plane,
                        int8_t *y) {
    const int pw = kt_conv_dw_plane_w(d), taps = d->kh * d->kw, ez = d->x_zero, c = d->cin, h = d->in_h, w = d->in_w;
    /* the frame (the padding) holds the input's zero point for every channel; only the interior changes */
    memset(plane, (unsigned char)(int8_t)ez, (size_t)kt_conv_dw_plane_h(d) * (size_t)pw);
    int8_t *interior = plane + d->pad_top * pw + d->pad_left;
    for (int ch = 0; ch < c; ch++) {
        /* input channel ch into the plane before output channel ch overwrites it (y may start where x starts) */
        for (int r = 0; r < h; r++) {
            const int8_t *src = x + r * w * c + ch;
            int8_t *dst = interior + r * pw;
            for (int j = 0; j < w; j++) {
                dst[j] = src[j * c];
            }
        }
        stage sd;
        stage_of(d, ch, &sd);
        const int8_t *wd = d_w + ch * taps;
        int32_t dsum = 0;
        for (int t = 0; t < taps; t++) {
            dsum += wd[t];
        }
        depthwise_from_plane(d, wd, (d_b != NULL ? d_b[ch] : 0) - ez * dsum, &sd, plane, pw, y, ch);
    }
}
