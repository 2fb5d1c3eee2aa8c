
/* ---------------------------------------------------------------- Helium (MVE) forward paths, Cortex-M55
 * Appended to the conv section of kt_kernels.c (after kt_conv.c) on every target; compiled only where the core has
 * MVE (__ARM_FEATURE_MVE: integer vectors; the float output stage needs MVE's float part too). Same integer sums as
 * kt_conv_fwd_ref (exact in int32, so any order gives the same bits) and the same output stage: for a float stage,
 * clamp(acc, -limit, limit) (where it cannot bind, as acc_bounded says, it changes nothing), one float32 product
 * acc * eff (round to nearest; never subnormal: eff is normal and acc an integer, zero stays zero), plus the magic
 * number; TFLite's fixed-point stage runs per element through kt_mul_quantized. kt_conv_fwd calls kt_conv_fwd_mve
 * first; it returns 0 (and writes nothing) for the shapes it does not take. */
#if defined(__ARM_FEATURE_MVE)
#include <arm_mve.h>

/* n <= 4 accumulators (lanes of acc) through the output stage: lane j is channel c + j*cstep (cstep 1: four
 * channels of one pixel; 0: one channel at four pixels), its output element e + j*estep, its mask bit the same. */
static inline __attribute__((always_inline)) void mve_stage(const kt_conv *p, int32x4_t acc, int c, int cstep, int n,
                                                            int e, int estep, int8_t *y, uint8_t *mask) {
    const int32_t lo = p->act_min - p->y_zero, hi = p->act_max - p->y_zero;
    const mve_pred16_t pr = vctp32q((uint32_t)n);
    int32x4_t q;
#if (__ARM_FEATURE_MVE & 2)
    if (p->float_rint) {
        const int32x4_t l = cstep ? vldrwq_z_s32(p->limit + c, pr) : vdupq_n_s32(p->limit[c]);
        acc = vmaxq_s32(vminq_s32(acc, l), vnegq_s32(l));
        const float32x4_t f = vcvtq_f32_s32(acc);
        const float32x4_t m = cstep ? vmulq_f32(f, vldrwq_z_f32(p->eff + c, pr)) : vmulq_n_f32(f, p->eff[c]);
        q = vsubq_n_s32(vreinterpretq_s32_f32(vaddq_n_f32(m, KT_MAGIC)), KT_MAGIC_BITS);
    } else
#endif
    {
        int32_t a[4], r[4] = {0, 0, 0, 0};
        vstrwq_s32(a, acc);
        for (int j = 0; j < n; j++) {
            const int ch = c + j * cstep;
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
            mask_put(mask, e + j * estep, (in >> (4 * j)) & 1u);
        }
    }
    const int32x4_t v = vaddq_n_s32(vmaxq_s32(vminq_s32(q, vdupq_n_s32(hi)), vdupq_n_s32(lo)), p->y_zero);
    if (estep == 1) {
        vstrbq_p_s32(y + e, v, pr);
    } else {
        vstrbq_scatter_offset_p_s32(y + e, vmulq_n_u32(vidupq_n_u32(0u, 1), (uint32_t)estep), v, pr);
    }
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
                mve_stage(p, acc, co, 1, n, e0 + co, 1, y, mask);
            }
        }
    }
}

/* Depthwise, multiplier 1, weights whole: one channel at a time, four output pixels of a row per vector (the inputs
 * of a tap gathered, its weight a scalar: VMLA), interior pixels with the zero point folded into the bias, border
 * pixels one at a time over the taps inside the input with x - x_zero. */
static void mve_depthwise(const kt_conv *p, const int8_t *x, const int8_t *wf, const int32_t *bias, int8_t *y,
                          uint8_t *mask) {
    const int c = p->cin, taps = p->kh * p->kw, xz = p->x_zero;
    int32_t off[KT_MAX_TAPS];
    for (int ky = 0; ky < p->kh; ky++) {
        for (int kx = 0; kx < p->kw; kx++) {
            off[ky * p->kw + kx] = (ky * p->dil_h * p->in_w + kx * p->dil_w) * c;
        }
    }
    int ox0 = 0, ox1 = p->out_w;
    while (ox0 < ox1 && ox0 * p->stride_w - p->pad_left < 0) {
        ox0++;
    }
    while (ox1 > ox0 && (ox1 - 1) * p->stride_w - p->pad_left + (p->kw - 1) * p->dil_w >= p->in_w) {
        ox1--;
    }
    const uint32x4_t px = vmulq_n_u32(vidupq_n_u32(0u, 1), (uint32_t)(p->stride_w * c));
    for (int ch = 0; ch < c; ch++) {
        const int8_t *wr = wf + ch * taps;
        int32_t wsum = 0;
        for (int t = 0; t < taps; t++) {
            wsum += wr[t];
        }
        const int32_t b = bias != NULL ? bias[ch] : 0, b_in = b - xz * wsum;
        for (int oy = 0; oy < p->out_h; oy++) {
            const int iy0 = oy * p->stride_h - p->pad_top;
            const int inner_y = iy0 >= 0 && iy0 + (p->kh - 1) * p->dil_h < p->in_h;
            for (int ox = 0; ox < p->out_w;) {
                const int ix0 = ox * p->stride_w - p->pad_left, e = (oy * p->out_w + ox) * c + ch;
                if (inner_y && ox >= ox0 && ox < ox1) {
                    const int n = ox1 - ox < 4 ? ox1 - ox : 4;
                    const mve_pred16_t pr = vctp32q((uint32_t)n);
                    const int8_t *xp = x + (iy0 * p->in_w + ix0) * c + ch;
                    int32x4_t acc = vdupq_n_s32(b_in);
                    for (int t = 0; t < taps; t++) {
                        acc = vmlaq_n_s32(acc, vldrbq_gather_offset_z_s32(xp + off[t], px, pr), wr[t]);
                    }
                    mve_stage(p, acc, ch, 0, n, e, c, y, mask);
                    ox += n;
                    continue;
                }
                int32_t acc = b;
                for (int ky = 0; ky < p->kh; ky++) {
                    const int iy = iy0 + ky * p->dil_h;
                    if (iy < 0 || iy >= p->in_h) {
                        continue;
                    }
                    for (int kx = 0; kx < p->kw; kx++) {
                        const int ix = ix0 + kx * p->dil_w;
                        if (ix >= 0 && ix < p->in_w) {
                            acc += (int32_t)wr[ky * p->kw + kx] * ((int32_t)x[(iy * p->in_w + ix) * c + ch] - xz);
                        }
                    }
                }
                mve_stage(p, vdupq_n_s32(acc), ch, 0, 1, e, c, y, mask);
                ox++;
            }
        }
    }
}

int kt_conv_fwd_mve(const kt_conv *p, const int8_t *x, const int8_t *w, const kt_slice *s, const int32_t *bias,
                    int8_t *y, uint8_t *mask, int32_t *acc) {
    if (acc == NULL || (s != NULL && s->kept != NULL)) {
        return 0; /* a partial trained slice: the DSP paths gather it */
    }
    const int8_t *wf = s != NULL ? s->w : w;
    const int acc_words = 2 * p->cout > 4 * p->out_w ? 2 * p->cout : 4 * p->out_w;
    if (p->groups == 1 && p->kh == 1 && p->kw == 1 && p->pad_top == 0 && p->pad_left == 0 && p->cout <= acc_words) {
        mve_pointwise(p, x, wf, bias, y, mask, acc);
        return 1;
    }
    if (p->groups == p->cin && p->cout == p->cin && p->groups > 1 && p->kh * p->kw <= KT_MAX_TAPS) {
        mve_depthwise(p, x, wf, bias, y, mask);
        return 1;
    }
    return 0;
}
#endif
