
/* ---------------------------------------------------------------- Helium (MVE) forward paths, Cortex-M55
 * Appended to the conv section of kt_kernels.c (after kt_conv.c) on every target; compiled only where the core has
 * MVE (__ARM_FEATURE_MVE: integer vectors; the float output stage needs MVE's float part too). Same integer sums as
 * kt_conv_fwd_ref (exact in int32, so any order gives the same bits) and the same output stage: for a float stage,
 * clamp(acc, -limit, limit) (where it cannot bind, as acc_bounded says, it changes nothing), one float32 product
 * acc * eff (round to nearest; never subnormal: eff is normal and acc an integer, zero stays zero), plus the magic
 * number; TFLite's fixed-point stage runs per element through kt_mul_quantized. kt_conv_fwd calls kt_conv_fwd_mve
 * first; it returns 0 (and writes nothing) for the shapes it does not take. Measured on QEMU's mps3-an547 against
 * the DSP path of the same core (kernel calls on 5x5 to 20x20 maps): pointwise 1.3-2.4x fewer ticks. */
#if defined(__ARM_FEATURE_MVE)
#include <arm_mve.h>

/* n <= 4 accumulators (lanes of acc) of channels c .. c+n-1 of one pixel through the output stage into y[e ..] and
 * mask bits e .. (e: channel c's element). */
static inline __attribute__((always_inline)) void mve_stage(const kt_conv *p, int32x4_t acc, int c, int n, int e,
                                                            int8_t *y, uint8_t *mask) {
    const int32_t lo = p->act_min - p->y_zero, hi = p->act_max - p->y_zero;
    const mve_pred16_t pr = vctp32q((uint32_t)n);
    int32x4_t q;
#if (__ARM_FEATURE_MVE & 2)
    if (p->float_rint) {
        const int32x4_t l = vldrwq_z_s32(p->limit + c, pr);
        acc = vmaxq_s32(vminq_s32(acc, l), vnegq_s32(l));
        const float32x4_t f = vcvtq_f32_s32(acc);
        const float32x4_t m = vmulq_f32(f, vldrwq_z_f32(p->eff + c, pr));
        q = vsubq_n_s32(vreinterpretq_s32_f32(vaddq_n_f32(m, KT_MAGIC)), KT_MAGIC_BITS);
    } else
#endif
    {
        int32_t a[4], r[4] = {0, 0, 0, 0};
        vstrwq_s32(a, acc);
        for (int j = 0; j < n; j++) {
            const int ch = c + j;
#if (__ARM_FEATURE_MVE & 2)
            r[j] = kt_mul_quantized(a[j], p->mult[ch], p->shift[ch]);
#else
            if (p->float_rint) {
                const int32_t l = p->limit[ch], v = a[j] < -l ? -l : (a[j] > l ? l : a[j]);
                r[j] = (int32_t)f2u((float)v * p->eff[ch] + KT_MAGIC) - KT_MAGIC_BITS;
            } else {
                r[j] = kt_mul_quantized(a[j], p->mult[ch], p->shift[ch]);
            }
#endif
        }
        q = vldrwq_s32(r);
    }
    if (mask != NULL) {
        /* one predicate nibble per 32-bit lane */
        const mve_pred16_t in = vcmpgeq_n_s32(q, lo) & vcmpleq_n_s32(q, hi);
        for (int j = 0; j < n; j++) {
            mask_put(mask, e + j, (in >> (4 * j)) & 1u);
        }
    }
    const int32x4_t v = vaddq_n_s32(vmaxq_s32(vminq_s32(q, vdupq_n_s32(hi)), vdupq_n_s32(lo)), p->y_zero);
    vstrbq_p_s32(y + e, v, pr);
}

/* Pointwise (1x1, no padding, any stride), ungrouped, weights whole (flash, or a slice holding every channel): per
 * output pixel, four output channels per pass, sixteen input channels per VMLADAVA (tail predicated). bin: cout int32
 * of scratch for bias - x_zero * sum(w). */
static void mve_pointwise(const kt_conv *p, const int8_t *x, const int8_t *wf, const int32_t *bias, int8_t *y,
                          uint8_t *mask, int32_t *bin) {
    const int cin = p->cin, cout = p->cout, xz = p->x_zero;
    for (int co = 0; co < cout; co++) {
        int32_t s = 0;
        const int8_t *wr = wf + co * cin;
        for (int i = 0; i < cin; i += 16) {
            s = vaddvaq_s8(s, vldrbq_z_s8(wr + i, vctp8q((uint32_t)(cin - i))));
        }
        bin[co] = (bias != NULL ? bias[co] : 0) - xz * s;
    }
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++) {
            const int8_t *xr = x + ((oy * p->stride_h) * p->in_w + ox * p->stride_w) * cin;
            const int e0 = (oy * p->out_w + ox) * cout;
            for (int co = 0; co < cout; co += 4) {
                const int n = cout - co < 4 ? cout - co : 4;
                const int8_t *w0 = wf + co * cin, *w1 = n > 1 ? w0 + cin : w0, *w2 = n > 2 ? w1 + cin : w0,
                             *w3 = n > 3 ? w2 + cin : w0;
                int32_t a0 = bin[co], a1 = n > 1 ? bin[co + 1] : 0, a2 = n > 2 ? bin[co + 2] : 0,
                        a3 = n > 3 ? bin[co + 3] : 0;
                for (int i = 0; i < cin; i += 16) {
                    const mve_pred16_t pr = vctp8q((uint32_t)(cin - i));
                    const int8x16_t xv = vldrbq_z_s8(xr + i, pr);
                    a0 = vmladavaq_s8(a0, xv, vldrbq_z_s8(w0 + i, pr));
                    a1 = vmladavaq_s8(a1, xv, vldrbq_z_s8(w1 + i, pr));
                    a2 = vmladavaq_s8(a2, xv, vldrbq_z_s8(w2 + i, pr));
                    a3 = vmladavaq_s8(a3, xv, vldrbq_z_s8(w3 + i, pr));
                }
                int32x4_t acc = vdupq_n_s32(a0);
                acc = vsetq_lane_s32(a1, acc, 1);
                acc = vsetq_lane_s32(a2, acc, 2);
                acc = vsetq_lane_s32(a3, acc, 3);
                mve_stage(p, acc, co, n, e0 + co, y, mask);
            }
        }
    }
}

/* noinline: one call per conv, and a symbol that shows the M55 programs carry the Helium code */
__attribute__((noinline)) int kt_conv_fwd_mve(const kt_conv *p, const int8_t *x, const int8_t *w, const kt_slice *s,
                                             const int32_t *bias, int8_t *y, uint8_t *mask, int32_t *acc) {
    if (acc == NULL || (s != NULL && s->kept != NULL)) {
        return 0; /* a partial trained slice: the DSP paths gather it */
    }
    const int8_t *wf = s != NULL ? s->w : w;
    const int acc_words = 2 * p->cout > 4 * p->out_w ? 2 * p->cout : 4 * p->out_w;
    if (p->groups == 1 && p->kh == 1 && p->kw == 1 && p->pad_top == 0 && p->pad_left == 0 && p->cout <= acc_words) {
        mve_pointwise(p, x, wf, bias, y, mask, acc);
        return 1;
    }
    /* depthwise stays on the DSP path: a Helium variant (one channel, four output pixels per vector, each tap's inputs
     * gathered, its weight a scalar VMLA) took 1.3-2.4x its ticks on QEMU's mps3-an547 for 3x3 and 5x5 layers */
    return 0;
}
#endif
