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

static inline int8_t stage_apply(const stage *s, int32_t acc) {
    int32_t q;
    if (s->float_rint) {
        int32_t a = acc;
        if (!s->bounded) {
            a = a < -s->limit ? -s->limit : (a > s->limit ? s->limit : a);
        }
        float v = (float)a * s->eff + KT_F_MAGIC;
        uint32_t u;
        memcpy(&u, &v, 4);
        q = (int32_t)u - KT_F_MAGIC_BITS;
    } else {
        q = kt_mul_quantized(acc, s->mult, s->shift);
    }
    q = q < s->lo ? s->lo : (q > s->hi ? s->hi : q);
    return (int8_t)(q + s->zy);
}

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

/* Widest pointwise input the packed-weight path takes (words of packed int16 pairs on the stack). */
#define KT_F_MAX_PACKED 256

/* sum_i w[i] * x[i] over n int8 values. */
static inline int32_t dot_i8(const int8_t *x, const int8_t *w, int n) {
    int32_t s = 0;
    for (int i = 0; i < n; i++) {
        s += (int32_t)w[i] * (int32_t)x[i];
    }
    return s;
}

/*
 * Plane interior of a 1x1 stride-1 conv: row-major h*w pixels, pixel q at plane[q_row * pw + q_col], each
 * acc = bias' + W[c] . x_q with the input zero point folded into bias'.
 */
static void pointwise_plane(const kt_conv *p, const int8_t *wc, int32_t b, const stage *s, const int8_t *x,
                            int8_t *dst, int pstride) {
    const int cin = p->cin, h = p->out_h, w = p->out_w;
#if defined(__ARM_FEATURE_DSP)
    if ((cin & 3) == 0 && cin <= KT_F_MAX_PACKED) {
        /* weights as SXTB16 pairs: word g holds w[4g..4g+3]; (w0 w2) and (w1 w3) meet (x0 x2) and (x1 x3) in SMLAD */
        uint32_t wa[KT_F_MAX_PACKED / 4], wb[KT_F_MAX_PACKED / 4];
        const int groups = cin >> 2;
        for (int g = 0; g < groups; g++) {
            uint32_t v;
            memcpy(&v, wc + 4 * g, 4);
            wa[g] = __sxtb16(v);
            wb[g] = sxtb16_odd(v);
        }
        for (int r = 0; r < h; r++) {
            const int8_t *xr = x + r * w * cin;
            int8_t *o = dst + r * pstride;
            int q = 0;
            for (; q + 2 <= w; q += 2) {
                const int8_t *x0 = xr + q * cin, *x1 = x0 + cin;
                int32_t a0 = b, a1 = b;
                for (int g = 0; g < groups; g++) {
                    uint32_t v0, v1;
                    memcpy(&v0, x0 + 4 * g, 4);
                    memcpy(&v1, x1 + 4 * g, 4);
                    a0 = __smlad(__sxtb16(v0), wa[g], a0);
                    a0 = __smlad(sxtb16_odd(v0), wb[g], a0);
                    a1 = __smlad(__sxtb16(v1), wa[g], a1);
                    a1 = __smlad(sxtb16_odd(v1), wb[g], a1);
                }
                o[q] = stage_apply(s, a0);
                o[q + 1] = stage_apply(s, a1);
            }
            for (; q < w; q++) {
                o[q] = stage_apply(s, b + dot_i8(xr + q * cin, wc, cin));
            }
        }
        return;
    }
#endif
    for (int r = 0; r < h; r++) {
        const int8_t *xr = x + r * w * cin;
        int8_t *o = dst + r * pstride;
        for (int q = 0; q < w; q++) {
            o[q] = stage_apply(s, b + dot_i8(xr + q * cin, wc, cin));
        }
    }
}

/*
 * Plane interior of any ungrouped conv: pixels whose whole patch lies inside the input take the folded bias and
 * contiguous patch rows; border pixels skip the padding taps and subtract the zero point per tap.
 */
static void dense_plane(const kt_conv *p, const int8_t *wc, int32_t bias, const stage *s, const int8_t *x,
                        int8_t *dst, int pstride) {
    const int cin = p->cin, kh = p->kh, kw = p->kw, xz = p->x_zero;
    int32_t wsum = 0;
    for (int i = 0; i < kh * kw * cin; i++) {
        wsum += wc[i];
    }
    const int32_t folded = bias - xz * wsum;
    for (int oy = 0; oy < p->out_h; oy++) {
        const int iy0 = oy * p->stride_h - p->pad_top;
        const int rows_in = iy0 >= 0 && iy0 + (kh - 1) * p->dil_h < p->in_h;
        int8_t *o = dst + oy * pstride;
        for (int ox = 0; ox < p->out_w; ox++) {
            const int ix0 = ox * p->stride_w - p->pad_left;
            int32_t acc;
            if (rows_in && ix0 >= 0 && ix0 + (kw - 1) * p->dil_w < p->in_w) {
                acc = folded;
                if (p->dil_w == 1) {
                    for (int ky = 0; ky < kh; ky++) {
                        acc += dot_i8(x + ((iy0 + ky * p->dil_h) * p->in_w + ix0) * cin, wc + ky * kw * cin,
                                      kw * cin);
                    }
                } else {
                    for (int ky = 0; ky < kh; ky++) {
                        for (int kx = 0; kx < kw; kx++) {
                            acc += dot_i8(x + ((iy0 + ky * p->dil_h) * p->in_w + ix0 + kx * p->dil_w) * cin,
                                          wc + (ky * kw + kx) * cin, cin);
                        }
                    }
                }
            } else {
                acc = bias;
                for (int ky = 0; ky < kh; ky++) {
                    const int iy = iy0 + ky * p->dil_h;
                    if (iy < 0 || iy >= p->in_h) {
                        continue;
                    }
                    for (int kx = 0; kx < kw; kx++) {
                        const int ix = ix0 + kx * p->dil_w;
                        if (ix < 0 || ix >= p->in_w) {
                            continue;
                        }
                        const int8_t *xp = x + (iy * p->in_w + ix) * cin, *wp = wc + (ky * kw + kx) * cin;
                        for (int i = 0; i < cin; i++) {
                            acc += (int32_t)wp[i] * ((int32_t)xp[i] - xz);
                        }
                    }
                }
            }
            o[ox] = stage_apply(s, acc);
        }
    }
}

/* Depthwise output channel c from the padded plane (frame at the zero point, folded into bias'). */
static void depthwise_from_plane(const kt_conv *d, const int8_t *wd, int32_t b, const stage *s, const int8_t *plane,
                                 int pw, int8_t *y, int c) {
    const int oh = d->out_h, ow = d->out_w, C = d->cout, sh = d->stride_h, sw = d->stride_w;
    if (d->kh == 3 && d->kw == 3 && d->dil_h == 1 && d->dil_w == 1) {
        const int32_t w0 = wd[0], w1 = wd[1], w2 = wd[2], w3 = wd[3], w4 = wd[4], w5 = wd[5], w6 = wd[6],
                      w7 = wd[7], w8 = wd[8];
        for (int oy = 0; oy < oh; oy++) {
            const int8_t *r0 = plane + oy * sh * pw, *r1 = r0 + pw, *r2 = r1 + pw;
            int8_t *o = y + oy * ow * C + c;
            for (int ox = 0; ox < ow; ox++) {
                const int j = ox * sw;
                int32_t acc = b + w0 * r0[j] + w1 * r0[j + 1] + w2 * r0[j + 2] + w3 * r1[j] + w4 * r1[j + 1]
                              + w5 * r1[j + 2] + w6 * r2[j] + w7 * r2[j + 1] + w8 * r2[j + 2];
                o[ox * C] = stage_apply(s, acc);
            }
        }
        return;
    }
    const int kh = d->kh, kw = d->kw, dh = d->dil_h, dw = d->dil_w;
    for (int oy = 0; oy < oh; oy++) {
        int8_t *o = y + oy * ow * C + c;
        for (int ox = 0; ox < ow; ox++) {
            const int8_t *src = plane + oy * sh * pw + ox * sw;
            int32_t acc = b;
            for (int ky = 0; ky < kh; ky++) {
                const int8_t *row = src + ky * dh * pw;
                const int8_t *wr = wd + ky * kw;
                for (int kx = 0; kx < kw; kx++) {
                    acc += (int32_t)wr[kx] * (int32_t)row[kx * dw];
                }
            }
            o[ox * C] = stage_apply(s, acc);
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
