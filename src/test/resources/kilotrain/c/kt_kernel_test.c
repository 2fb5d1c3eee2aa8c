/*
 * Fast paths against the reference path: random convolutions (pointwise, dense with stride and padding, depthwise
 * of several kernel sizes, trained slices covering some or all channels, both output stages), kt_conv_fwd against
 * kt_conv_fwd_ref, outputs and clamp masks compared byte for byte; then kt_conv_input_grad (fresh and accumulating)
 * and the ungrouped kt_conv_weight_grad (and kt_rows.c's row chunks of it) against plain sums in the order of docs/backward.md (per element, output
 * pixels in raster order, output channels ascending, from +0), compared bit for bit; the float residual add
 * against AddKernel's formula, the stochastic int8 update against Int8WeightUpdate's steps, and kt_dequantize
 * against TFLite Micro's dequantize_test.cc golden data and TFLite's double-precision formula. Runs on the host and, built with kt_cm7_startup.c, on the
 * emulated Cortex-M7 where the SMLAD paths are taken. Prints "kernel-test ok N" or the first mismatch.
 */
#include <string.h>

#define KT_TEST_SEED 12345u
#include "kt_selftest.h"
#include "kt_rows.h"

#define MAXX 6144
#define MAXW 8192
#define MAXY 6144
#define MAXC 64
static int8_t x[MAXX], w[MAXW], wf[MAXW], sw[MAXW], y0[MAXY], y1[MAXY];
static uint8_t m0[MAXY / 8 + 1], m1[MAXY / 8 + 1];
static int32_t bias[MAXC], limit[MAXC], mult[MAXC], shift[MAXC], kept[MAXC], slot[MAXC];
static float eff[MAXC];
static int16_t scratch[2 * MAXW];
static int32_t accs[2 * MAXC + 64];
static float gacc[MAXY], gx0[MAXX], gx1[MAXX], rowbuf[768];
#define MAXG 2048
static float gw0[MAXG], gw1[MAXG];
static int8_t saved[MAXX];

/* The weight of (output channel co, tap t, channel i of its group) as the step sees it: slice value where kept. */
static float weight_at(const kt_conv *p, const int8_t *wflash, const kt_slice *s, int co, int t, int i) {
    const int taps = p->kh * p->kw, cin_g = p->cin / p->groups;
    if (s == NULL) {
        return (float)wflash[(co * taps + t) * cin_g + i];
    }
    if (p->groups == 1) {
        for (int j = 0; j < s->nk; j++) {
            if ((s->kept == NULL ? j : (int)s->kept[j]) == i) {
                return (float)s->w[(co * taps + t) * s->nk + j];
            }
        }
        return (float)wflash[(co * taps + t) * cin_g + i];
    }
    const int kk = s->slot == NULL ? co : (int)s->slot[co];
    return kk >= 0 ? (float)s->w[kk * taps + t] : (float)wflash[co * taps + t];
}

/* ConvBackward.inputGrad written plainly: each element a sum from +0 in the documented order. */
static void input_grad_plain(const kt_conv *p, const int8_t *wflash, const kt_slice *s, const float *g, float *gx,
                             int accumulate) {
    const int cin_g = p->cin / p->groups, cout_g = p->cout / p->groups;
    for (int iy = 0; iy < p->in_h; iy++) {
        for (int ix = 0; ix < p->in_w; ix++) {
            for (int i = 0; i < p->cin; i++) {
                const int grp = i / cin_g;
                float acc = 0.0f;
                for (int oy = 0; oy < p->out_h; oy++) {
                    const int ky = iy + p->pad_top - oy * p->stride_h;
                    if (ky < 0 || ky >= p->kh) {
                        continue;
                    }
                    for (int ox = 0; ox < p->out_w; ox++) {
                        const int kx = ix + p->pad_left - ox * p->stride_w;
                        if (kx < 0 || kx >= p->kw) {
                            continue;
                        }
                        for (int co = grp * cout_g; co < (grp + 1) * cout_g; co++) {
                            acc += g[(oy * p->out_w + ox) * p->cout + co]
                                    * weight_at(p, wflash, s, co, ky * p->kw + kx, i - grp * cin_g);
                        }
                    }
                }
                float *e = gx + (iy * p->in_w + ix) * p->cin + i;
                *e = accumulate ? *e + acc : acc;
            }
        }
    }
}

static int check_input_grad(const kt_conv *p, const int8_t *wflash, const kt_slice *s) {
    const int n = p->out_h * p->out_w * p->cout, nx = p->in_h * p->in_w * p->cin;
    const int dead = rnd(p->cout); /* a channel whose gradient is zero everywhere, as a clamped channel's */
    for (int i = 0; i < n; i++) {
        const int r = rnd(10);
        /* full 24-bit mantissas and mixed magnitudes, so that every sum rounds and any reordering shows */
        gacc[i] = r < 3 || i % p->cout == dead ? 0.0f
                : (float)(rnd(1 << 24) - (1 << 23)) * 0x1.0p-30f * (float)(1 << rnd(12));
    }
    const int accumulate = rnd(2);
    for (int i = 0; i < nx; i++) {
        gx0[i] = gx1[i] = (float)(rnd(1 << 24) - (1 << 23)) * 0x1.0p-28f;
    }
    /* the output gradient through the clamp mask, and the bias gradient (sums from +0 in pixel order) */
    for (int i = 0; i < n; i++) {
        gx0[i] = (float)(rnd(1 << 24) - (1 << 23)) * 0x1.0p-20f;
        m0[i >> 3] = (uint8_t)(i % 8 == 0 ? (rnd(3) == 0 ? 0xFF : rnd(256)) : m0[i >> 3]);
    }
    for (int i = 0; i < n; i++) {
        gx1[i] = (m0[i >> 3] >> (i & 7)) & 1 ? gx0[i] * p->grad_eff[i % p->cout] : 0.0f;
    }
    kt_conv_out_grad(p, gx0, m0, gx0); /* in place, as the step runs it */
    if (memcmp(gx0, gx1, (size_t)n * sizeof(float)) != 0) {
        return 0;
    }
    for (int co = 0; co < p->cout; co++) {
        float b = 0.0f;
        for (int q = 0; q < p->out_h * p->out_w; q++) {
            b += gx1[q * p->cout + co];
        }
        gw0[co] = b;
    }
    kt_conv_bias_grad(p, gx1, gw1);
    if (memcmp(gw0, gw1, (size_t)p->cout * sizeof(float)) != 0) {
        return 0;
    }
    input_grad_plain(p, wflash, s, gacc, gx0, accumulate);
    kt_conv_input_grad(p, wflash, s, gacc, gx1, accumulate, rowbuf);
    if (memcmp(gx0, gx1, (size_t)nx * sizeof(float)) != 0) {
        return 0;
    }
    /* ungrouped weight gradient over the kept channels (all without a slice), the input saved as the step does */
    const int taps = p->kh * p->kw, nk = s == NULL ? p->cin : s->nk;
    const int32_t *kp = s == NULL ? NULL : s->kept;
    if (p->groups != 1 || p->cout * taps * nk > MAXG) {
        return 1;
    }
    for (int q = 0; q < p->in_h * p->in_w; q++) {
        for (int j = 0; j < nk; j++) {
            saved[q * nk + j] = x[q * p->cin + (kp == NULL ? j : (int)kp[j])];
        }
    }
    for (int co = 0; co < p->cout; co++) {
        for (int t = 0; t < taps; t++) {
            for (int j = 0; j < nk; j++) {
                float acc = 0.0f;
                for (int oy = 0; oy < p->out_h; oy++) {
                    const int iy = oy * p->stride_h - p->pad_top + (t / p->kw) * p->dil_h;
                    for (int ox = 0; ox < p->out_w; ox++) {
                        const int ix = ox * p->stride_w - p->pad_left + (t % p->kw) * p->dil_w;
                        if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                            continue;
                        }
                        acc += gacc[(oy * p->out_w + ox) * p->cout + co]
                                * (float)((int32_t)saved[(iy * p->in_w + ix) * nk + j] - p->x_zero);
                    }
                }
                gw0[(co * taps + t) * nk + j] = acc;
            }
        }
    }
    kt_conv_weight_grad(p, saved, kp, nk, gacc, gw1);
    if (memcmp(gw0, gw1, (size_t)(p->cout * taps * nk) * sizeof(float)) != 0) {
        return 0;
    }
    /* the fused updates' rows (kt_rows.c) in chunks of one to four rows, the same bits */
    for (int row = 0; row < p->cout;) {
        int k = 1 + rnd(4);
        k = k < p->cout - row ? k : p->cout - row;
        kt_conv_weight_grad_rows(p, saved, kp, nk, gacc, row, k, gw1);
        if (memcmp(gw0 + row * taps * nk, gw1, (size_t)(k * taps * nk) * sizeof(float)) != 0) {
            return 0;
        }
        row += k;
    }
    return 1;
}

int main(void) {
    int cases = 0;
    for (int it = 0; it < 400; it++) {
        kt_conv p;
        memset(&p, 0, sizeof p);
        /* every 25th case an RGB stem (3x3 on three channels, no mask or slice, full-range float stage) on a map
         * wide enough for its two-pixel kt_pw_pairs path */
        const int stem = it % 25 == 24;
        int kind = stem ? 1 : it % 3; /* 0 pointwise, 1 dense k x k, 2 depthwise */
        int k = stem ? 3 : kind == 0 ? 1 : 1 + 2 * rnd(kind == 2 ? 4 : 2);
        int stride = kind == 0 ? 1 : 1 + rnd(2);
        int cin = stem ? 3 : 1 + rnd(kind == 2 ? 48 : 24), cout = stem ? 2 : kind == 2 ? cin : 1 + rnd(40);
        int h = 1 + rnd(9), wd = stem ? (stride == 1 ? 7 + rnd(3) : 12 + rnd(6)) : 1 + rnd(9);
        int pad = kind == 0 ? 0 : rnd(k / 2 + 1);
        p.in_h = h;
        p.in_w = wd;
        p.cin = cin;
        p.kh = p.kw = k;
        p.stride_h = p.stride_w = stride;
        p.dil_h = p.dil_w = 1;
        p.pad_top = p.pad_left = pad;
        p.out_h = (h + 2 * pad - k) / stride + 1;
        p.out_w = (wd + 2 * pad - k) / stride + 1;
        if (p.out_h <= 0 || p.out_w <= 0) {
            continue;
        }
        p.cout = cout;
        p.groups = kind == 2 ? cin : 1;
        p.x_zero = rnd(256) - 128;
        p.y_zero = rnd(256) - 128;
        p.act_min = -128;
        p.act_max = stem || rnd(2) ? 127 : -128 + 1 + rnd(200);
        p.float_rint = stem || rnd(2);
        int cin_g = cin / p.groups, nw = cout * k * k * cin_g;
        if (h * wd * cin > MAXX || nw > MAXW || p.out_h * p.out_w * cout > MAXY) {
            continue;
        }
        for (int i = 0; i < h * wd * cin; i++) {
            x[i] = (int8_t)(rnd(256) - 128);
        }
        for (int i = 0; i < nw; i++) {
            w[i] = (int8_t)(rnd(255) - 127);
        }
        for (int c = 0; c < cout; c++) {
            bias[c] = rnd(20001) - 10000;
            eff[c] = (float)(1 + rnd(1000)) * 0x1.0p-16f;
            limit[c] = (int32_t)(4194304.0f / eff[c]);
            mult[c] = (int32_t)(0x40000000u + (uint32_t)rnd(0x3fffffff));
            shift[c] = -rnd(12);
        }
        p.eff = eff;
        p.grad_eff = eff;
        p.limit = limit;
        /* claim the bound only where it holds: |bias| + 255 * sum |w| <= limit for every channel */
        p.acc_bounded = 1;
        for (int c = 0; c < cout; c++) {
            int64_t b = bias[c] < 0 ? -(int64_t)bias[c] : bias[c];
            for (int i = 0; i < k * k * cin_g; i++) {
                int v = w[c * k * k * cin_g + i];
                b += 255 * (int64_t)(v < 0 ? -v : v);
            }
            if (b > limit[c]) {
                p.acc_bounded = 0;
            }
        }
        p.mult = mult;
        p.shift = shift;
        /* a trained slice for some dense/depthwise cases: the kept channels move from w into sw */
        kt_slice s;
        const kt_slice *sp = NULL;
        const int8_t *wflash = w;
        if (!stem && (kind != 0 || rnd(2))) {
            int sel = rnd(3); /* 0 none, 1 partial, 2 all */
            if (sel > 0) {
                int nk = 0;
                for (int c = 0; c < cin; c++) {
                    slot[c] = -1;
                    if (sel == 2 || rnd(2)) {
                        slot[c] = nk;
                        kept[nk++] = c;
                    }
                }
                if (nk == 0) {
                    slot[0] = 0;
                    kept[nk++] = 0;
                }
                memcpy(wf, w, (size_t)nw);
                int taps = k * k, n = 0;
                if (kind == 2) {
                    for (int j = 0; j < nk; j++) {
                        for (int t = 0; t < taps; t++) {
                            sw[n++] = w[kept[j] * taps + t];
                            wf[kept[j] * taps + t] = 0;
                        }
                    }
                } else {
                    for (int co = 0; co < cout; co++) {
                        for (int t = 0; t < taps; t++) {
                            for (int j = 0; j < nk; j++) {
                                sw[n++] = w[(co * taps + t) * cin + kept[j]];
                                wf[(co * taps + t) * cin + kept[j]] = 0;
                            }
                        }
                    }
                }
                int all = nk == cin;
                s.nk = nk;
                s.kept = all ? NULL : kept;
                s.slot = all || kind != 2 ? NULL : slot;
                s.w = sw;
                sp = &s;
                wflash = all ? NULL : wf;
            }
        }
        int use_mask = !stem && rnd(2);
        memset(m0, 0, sizeof m0);
        memset(m1, 0, sizeof m1);
        const int32_t *b = stem || rnd(4) ? bias : NULL;
        kt_conv_fwd_ref(&p, x, sp == NULL ? w : wflash, sp, b, y0, use_mask ? m0 : NULL);
        kt_conv_fwd(&p, x, sp == NULL ? w : wflash, sp, b, y1, use_mask ? m1 : NULL, scratch, accs);
        int n = p.out_h * p.out_w * cout;
        const int fwd_ok = memcmp(y0, y1, (size_t)n) == 0 && memcmp(m0, m1, (size_t)(n + 7) / 8) == 0;
        /* the backward kernel covers depthwise multiplier 1 and ungrouped convs, dilation 1 here */
        if (!fwd_ok || !check_input_grad(&p, sp == NULL ? w : wflash, sp)) {
            kt_test_line("kernel-test MISMATCH case ", (unsigned)it, kind, fwd_ok ? " b" : " f");
            return 1;
        }
        cases++;
    }
    /* float residual adds against AddKernel's formula with kt_rintf (scales from tiny to huge outputs) */
    for (int it = 0; it < 60; it++) {
        kt_add a;
        memset(&a, 0, sizeof a);
        a.n = 1 + rnd(MAXY);
        a.za = rnd(256) - 128;
        a.zb = rnd(256) - 128;
        a.zy = rnd(256) - 128;
        a.act_min = -128;
        a.act_max = rnd(2) ? 127 : -128 + rnd(256);
        a.float_rint = 1;
        a.sa = (float)(1 + rnd(1 << 20)) * 0x1.0p-24f;
        a.sb = (float)(1 + rnd(1 << 20)) * 0x1.0p-24f;
        a.sy = (float)(1 + rnd(1 << 20)) * (it % 4 == 0 ? 0x1.0p-50f : 0x1.0p-24f);
        for (int i = 0; i < a.n; i++) {
            x[i] = (int8_t)(rnd(256) - 128);
            w[i] = (int8_t)(rnd(256) - 128);
        }
        memset(m0, 0, sizeof m0);
        for (int i = 0; i < a.n; i++) {
            const float v = (((float)x[i] - (float)a.za) * a.sa + ((float)w[i] - (float)a.zb) * a.sb) / a.sy;
            const float q = kt_rintf(v) + (float)a.zy, lo = (float)a.act_min, hi = (float)a.act_max;
            y0[i] = (int8_t)(int)(q < lo ? lo : (q > hi ? hi : q));
            if (q >= lo && q <= hi) {
                m0[i >> 3] |= (uint8_t)(1u << (i & 7));
            }
        }
        kt_add_fwd(&a, x, w, y1, m1);
        if (memcmp(y0, y1, (size_t)a.n) != 0 || memcmp(m0, m1, (size_t)(a.n + 7) / 8) != 0) {
            OUT("kernel-test MISMATCH add\n");
            return 1;
        }
        cases++;
    }
    /* stochastic int8 weight update against Int8WeightUpdate's steps with kt_floorf, NaN steps included */
    for (int it = 0; it < 20; it++) {
        const int n = 1 + rnd(MAXY);
        uint32_t s0 = 1u + (uint32_t)rnd(1 << 30), s1 = s0;
        for (int i = 0; i < n; i++) {
            x[i] = y0[i] = (int8_t)(rnd(256) - 128);
            const int r = rnd(50);
            gacc[i] = r == 0 ? 0.0f / 0.0f : (float)(rnd(1 << 24) - (1 << 23)) * 0x1.0p-21f * (float)(r % 5);
        }
        for (int i = 0; i < n; i++) {
            const float u = (float)(kt_xorshift32(&s0) >> 8) * 0x1.0p-24f;
            const float v = (float)y0[i] - gacc[i];
            if (v != v) {
                continue;
            }
            const float c = v < -127.0f ? -127.0f : (v > 127.0f ? 127.0f : v), f = kt_floorf(c);
            y0[i] = (int8_t)(int)(u < c - f ? f + 1.0f : f);
        }
        kt_update_i8(KT_W_STOCHASTIC, x, NULL, n, gacc, &s1, NULL, 0x1.fffffep127f);
        if (memcmp(y0, x, (size_t)n) != 0 || s0 != s1) {
            OUT("kernel-test MISMATCH update\n");
            return 1;
        }
        cases++;
    }
    /* DEQUANTIZE: TFLite Micro's dequantize_test.cc int8 case (scale 0.5, zero point -1, the values -63.5 .. 64
     * quantized by TFLite's Quantize) bit for bit, then kt_dequantize against TFLite's formula with the scale in
     * double, (float)(scale * (q - zero)), for every int8 value at random float scales over the exponent range */
    {
        static const int8_t gq[10] = {-128, -127, -126, -125, -124, 123, 124, 125, 126, 127};
        static const float gy[10] = {-63.5f, -63.0f, -62.5f, -62.0f, -61.5f, 62.0f, 62.5f, 63.0f, 63.5f, 64.0f};
        float y[256], yd[256];
        kt_dequantize(gq, y, 10, 0.5f, -1);
        if (memcmp(y, gy, sizeof gy) != 0) {
            OUT("kernel-test MISMATCH dequantize golden\n");
            return 1;
        }
        cases++;
        for (int it = 0; it < 200; it++) {
            uint32_t bits = ((uint32_t)rnd(1 << 16) << 15) ^ (uint32_t)rnd(1 << 15);
            bits &= 0x7fffffffu; /* positive */
            float s;
            memcpy(&s, &bits, sizeof s);
            if (!(s > 0.0f) || s > 0x1.fffffep127f) {
                continue;
            }
            const int zero = rnd(256) - 128;
            for (int i = 0; i < 256; i++) {
                x[i] = (int8_t)(i - 128);
                yd[i] = (float)((double)s * (double)(x[i] - zero));
            }
            kt_dequantize(x, y, 256, s, zero);
            if (memcmp(y, yd, sizeof y) != 0) {
                OUT("kernel-test MISMATCH dequantize\n");
                return 1;
            }
            cases++;
        }
    }
    kt_test_line("kernel-test ok ", (unsigned)cases, -1, "");
    return 0;
}
