/*
 * kt_conv_dw_fwd against the reference path run twice (kt_conv_fwd_ref of the first conv into a whole E, then of the
 * depthwise conv): random geometries (pointwise with cin 8/16/24/32 and odd ones, the 3x3 RGB stem, other dense
 * kernels with stride, padding and dilation; depthwise 1..7 with stride 1/2, padding, dilation), both output stages,
 * clamped ranges, with and without the accumulator bound, with and without biases. Runs on the host and, built with
 * kt_cm7_startup.c, on the emulated Cortex-M7 where the SMLAD paths are taken. Prints "fused-test ok N" or the first
 * mismatch.
 */
#include "kt_fused.h"

#include <string.h>

#define KT_TEST_SEED 777u
#include "kt_selftest.h"

#define MAXX 4096
#define MAXE 4096
#define MAXW 8192
#define MAXC 40
static int8_t x[MAXX], w[MAXW], wd[MAXC * 49], e[MAXE], y0[MAXE], y1[MAXE], plane[MAXE];
static int32_t bias[MAXC], bd[MAXC];
static int32_t limit_p[MAXC], mult_p[MAXC], shift_p[MAXC], limit_d[MAXC], mult_d[MAXC], shift_d[MAXC];
static float eff_p[MAXC], eff_d[MAXC];

/* Output stage of conv p: random float or fixed point, random clamp; acc_bounded only where it truly holds. */
static void stage(kt_conv *p, const int8_t *wt, const int32_t *b, float *eff, int32_t *limit, int32_t *mult,
                  int32_t *shift, int small) {
    const int per = p->kh * p->kw * (p->cin / p->groups);
    p->act_min = rnd(3) == 0 ? -128 + rnd(100) : -128;
    p->act_max = rnd(3) == 0 ? p->act_min + 1 + rnd(127 - p->act_min) : 127;
    p->float_rint = rnd(3) != 0;
    int bounded = 1;
    for (int c = 0; c < p->cout; c++) {
        eff[c] = (float)(1 + rnd(small ? 60 : 1000)) * 0x1.0p-16f;
        const double a = 4194304.0 / (double)eff[c]; /* floor(2^22 / eff), saturated as the generator does */
        limit[c] = a >= 2147483647.0 ? INT32_MAX : (int32_t)a;
        mult[c] = (int32_t)(0x40000000u + (uint32_t)rnd(0x3fffffff));
        shift[c] = -rnd(12);
        long bound = b != NULL ? (b[c] < 0 ? -(long)b[c] : (long)b[c]) : 0;
        for (int i = 0; i < per; i++) {
            bound += 255L * (wt[c * per + i] < 0 ? -wt[c * per + i] : wt[c * per + i]);
        }
        bounded &= bound <= limit[c];
    }
    p->eff = eff;
    p->grad_eff = eff;
    p->limit = limit;
    p->mult = mult;
    p->shift = shift;
    p->acc_bounded = p->float_rint && bounded && rnd(2);
}

int main(void) {
    int cases = 0;
    for (int it = 0; it < 600 || cases < 300; it++) {
        kt_conv p, d;
        memset(&p, 0, sizeof p);
        memset(&d, 0, sizeof d);
        const int kind = it % 4; /* 0, 1 pointwise, 2 stem 3x3 on 3 channels, 3 other dense */
        const int pk = kind <= 1 ? 1 : (kind == 2 ? 3 : 1 + 2 * rnd(3));
        const int cin = kind == 0 ? 8 * (1 + rnd(4)) : kind == 2 ? 3 : 1 + rnd(20);
        const int ch = 1 + rnd(MAXC);
        p.in_h = 1 + rnd(kind >= 2 ? 16 : 12);
        p.in_w = 1 + rnd(kind >= 2 ? 16 : 12);
        p.cin = cin;
        p.kh = p.kw = pk;
        p.stride_h = p.stride_w = kind <= 1 ? 1 : 1 + rnd(2);
        p.dil_h = p.dil_w = kind == 3 && rnd(4) == 0 ? 2 : 1;
        p.pad_top = p.pad_left = kind <= 1 ? 0 : rnd(pk / 2 + 1);
        const int pbot = kind <= 1 ? 0 : rnd(pk / 2 + 1);
        const int ek = (pk - 1) * p.dil_h + 1;
        p.out_h = (p.in_h + p.pad_top + pbot - ek) / p.stride_h + 1;
        p.out_w = (p.in_w + p.pad_left + pbot - ek) / p.stride_w + 1;
        p.cout = ch;
        p.groups = 1;
        if (p.in_h + p.pad_top + pbot < ek || p.in_w + p.pad_left + pbot < ek || p.out_h <= 0 || p.out_w <= 0) {
            continue;
        }
        const int dk = 1 + rnd(7);
        d.in_h = p.out_h;
        d.in_w = p.out_w;
        d.cin = d.cout = d.groups = ch;
        d.kh = d.kw = dk;
        d.stride_h = d.stride_w = 1 + rnd(2);
        d.dil_h = d.dil_w = rnd(5) == 0 ? 2 : 1;
        d.pad_top = d.pad_left = rnd(dk / 2 + 1);
        const int dbot = rnd(dk / 2 + 1), dek = (dk - 1) * d.dil_h + 1;
        if (d.in_h + d.pad_top + dbot < dek || d.in_w + d.pad_left + dbot < dek) {
            continue;
        }
        d.out_h = (d.in_h + d.pad_top + dbot - dek) / d.stride_h + 1;
        d.out_w = (d.in_w + d.pad_left + dbot - dek) / d.stride_w + 1;
        const int nx = p.in_h * p.in_w * cin, ne = p.out_h * p.out_w * ch, nw = ch * pk * pk * cin;
        if (nx > MAXX || ne > MAXE || nw > MAXW || d.out_h * d.out_w * ch > MAXE
            || kt_conv_dw_plane_bytes(&d) > MAXE) {
            continue;
        }
        p.x_zero = rnd(256) - 128;
        p.y_zero = rnd(256) - 128;
        d.x_zero = p.y_zero; /* E's zero point */
        d.y_zero = rnd(256) - 128;
        for (int i = 0; i < nx; i++) {
            x[i] = (int8_t)(rnd(256) - 128);
        }
        for (int i = 0; i < nw; i++) {
            w[i] = (int8_t)(rnd(255) - 127);
        }
        for (int i = 0; i < ch * dk * dk; i++) {
            wd[i] = (int8_t)(rnd(255) - 127);
        }
        for (int c = 0; c < ch; c++) {
            bias[c] = rnd(20001) - 10000;
            bd[c] = rnd(20001) - 10000;
        }
        const int32_t *pb = rnd(5) == 0 ? NULL : bias, *db = rnd(5) == 0 ? NULL : bd;
        stage(&p, w, pb, eff_p, limit_p, mult_p, shift_p, 0);
        stage(&d, wd, db, eff_d, limit_d, mult_d, shift_d, 1);
        kt_conv_fwd_ref(&p, x, w, NULL, pb, e, NULL);
        kt_conv_fwd_ref(&d, e, wd, NULL, db, y0, NULL);
        memset(y1, 0x5A, sizeof y1);
        kt_conv_dw_fwd(&p, w, pb, &d, wd, db, x, plane, y1);
        const int ny = d.out_h * d.out_w * ch;
        if (memcmp(y0, y1, (size_t)ny) != 0) {
            kt_test_line("fused-test mismatch: case ", (unsigned)it, kind, "");
            return 1;
        }
        cases++;
    }
    kt_test_line("fused-test ok ", (unsigned)cases, -1, "");
    return 0;
}
