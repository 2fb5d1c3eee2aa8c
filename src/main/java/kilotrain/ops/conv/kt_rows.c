#include "kt_rows.h"

#if defined(KT_VFP_BLOCKS)
/*
 * Four saved int8 values (one word at [x], post-incremented) into s4-s7 as floats (v - xz), exactly: the word
 * 0x4B400000 + (v - xz) is the float 12582912 + (v - xz) (|v - xz| < 2^22), and subtracting 12582912 (magic, in
 * %[m]) is exact. Integer instructions and two VMOVs instead of one VCVT per value.
 */
#define KT_ROWS_CVT4                                                                                                 \
    "ldr %[w], [%[x]], #4\n\t"                                                                                       \
    "sxtb %[t0], %[w]\n\t"                                                                                           \
    "sxtb %[t1], %[w], ror #8\n\t"                                                                                   \
    "add %[t0], %[t0], %[b]\n\t"                                                                                     \
    "add %[t1], %[t1], %[b]\n\t"                                                                                     \
    "vmov s4, s5, %[t0], %[t1]\n\t"                                                                                  \
    "sxtb %[t0], %[w], ror #16\n\t"                                                                                  \
    "sxtb %[w], %[w], ror #24\n\t"                                                                                   \
    "add %[t0], %[t0], %[b]\n\t"                                                                                     \
    "add %[w], %[w], %[b]\n\t"                                                                                       \
    "vmov s6, s7, %[t0], %[w]\n\t"                                                                                   \
    "vsub.f32 s4, s4, %[m]\n\tvsub.f32 s5, s5, %[m]\n\tvsub.f32 s6, s6, %[m]\n\tvsub.f32 s7, s7, %[m]\n\t"
/* one row's four sums at [g] (post-incremented) into s0-s3, plus a * s4..s7 each, stored back */
#define KT_ROWS_ROW(a, g)                                                                                            \
    "vldmia %[" g "], {s0-s3}\n\t"                                                                                   \
    "vmul.f32 s8, %[" a "], s4\n\tvadd.f32 s0, s0, s8\n\t"                                                           \
    "vmul.f32 s8, %[" a "], s5\n\tvadd.f32 s1, s1, s8\n\t"                                                           \
    "vmul.f32 s8, %[" a "], s6\n\tvadd.f32 s2, s2, s8\n\t"                                                           \
    "vmul.f32 s8, %[" a "], s7\n\tvadd.f32 s3, s3, s8\n\t"                                                           \
    "vstmia %[" g "]!, {s0-s3}\n\t"
#define KT_ROWS_MAGIC 0x4B400000
/* what the passes read (b: the magic word minus the zero point, m: its float) and their scratch registers */
#define KT_ROWS_VARS(x, xz)                                                                                          \
    const int32_t b = KT_ROWS_MAGIC - (xz);                                                                          \
    const float m = 12582912.0f;                                                                                     \
    const int8_t *xq = (x);                                                                                          \
    int32_t w, t0, t1
/* the one-row pass over blocks x four values from xq into g0 (KT_ROWS_VARS declared by the caller) */
#define KT_ROWS_PASS1(a)                                                                                             \
    __asm__ volatile("1:\n\t" KT_ROWS_CVT4 KT_ROWS_ROW("a0", "g0") "subs %[n], %[n], #1\n\tbne 1b\n\t"             \
                     : [x] "+r"(xq), [g0] "+r"(g0), [n] "+r"(blocks), [w] "=&r"(w), [t0] "=&r"(t0), [t1] "=&r"(t1)  \
                     : [b] "r"(b), [m] "t"(m), [a0] "t"(a)                                                           \
                     : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "cc", "memory")
#endif

/* One row: g[j] += a * (x[j] - xz) for j < n, four values per pass. */
static inline void row1(const int8_t *x, int n, int xz, float a, float *g) {
    int j = 0;
#if defined(KT_VFP_BLOCKS)
    int blocks = n >> 2;
    if (blocks > 0) {
        KT_ROWS_VARS(x, xz);
        float *g0 = g;
        KT_ROWS_PASS1(a);
        j = n & ~3;
    }
#endif
    for (; j < n; j++) {
        g[j] = g[j] + a * (float)((int32_t)x[j] - xz);
    }
}

/*
 * One tap of `rows` rows (1, 2 or 4; row r's sums at g[r]) at one output pixel: g[r][j] += a[r] * (x[j] - xz) for
 * j < n, each saved value converted once for all the rows, four values x the rows per pass.
 */
static void rows_tap(const int8_t *x, int n, int xz, const float *a, int rows, float *const *g) {
    int j = 0;
#if defined(KT_VFP_BLOCKS)
    int blocks = n >> 2;
    if (blocks > 0) {
        KT_ROWS_VARS(x, xz);
        float *g0 = g[0], *g1 = g[rows > 1], *g2 = g[rows > 2 ? 2 : 0], *g3 = g[rows > 3 ? 3 : 0];
        if (rows == 4) {
            __asm__ volatile("1:\n\t" KT_ROWS_CVT4 KT_ROWS_ROW("a0", "g0") KT_ROWS_ROW("a1", "g1")
                                 KT_ROWS_ROW("a2", "g2") KT_ROWS_ROW("a3", "g3") "subs %[n], %[n], #1\n\tbne 1b\n\t"
                             : [x] "+r"(xq), [g0] "+r"(g0), [g1] "+r"(g1), [g2] "+r"(g2), [g3] "+r"(g3),
                               [n] "+r"(blocks), [w] "=&r"(w), [t0] "=&r"(t0), [t1] "=&r"(t1)
                             : [b] "r"(b), [m] "t"(m), [a0] "t"(a[0]), [a1] "t"(a[1]), [a2] "t"(a[2]), [a3] "t"(a[3])
                             : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "cc", "memory");
        } else if (rows == 2) {
            __asm__ volatile("1:\n\t" KT_ROWS_CVT4 KT_ROWS_ROW("a0", "g0") KT_ROWS_ROW("a1", "g1")
                             "subs %[n], %[n], #1\n\tbne 1b\n\t"
                             : [x] "+r"(xq), [g0] "+r"(g0), [g1] "+r"(g1), [n] "+r"(blocks), [w] "=&r"(w),
                               [t0] "=&r"(t0), [t1] "=&r"(t1)
                             : [b] "r"(b), [m] "t"(m), [a0] "t"(a[0]), [a1] "t"(a[1])
                             : "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "cc", "memory");
        } else {
            KT_ROWS_PASS1(a[0]);
        }
        j = n & ~3;
    }
#endif
    for (; j < n; j++) {
        const float v = (float)((int32_t)x[j] - xz);
        for (int r = 0; r < rows; r++) {
            g[r][j] = g[r][j] + a[r] * v;
        }
    }
}

void kt_conv_weight_grad_rows(const kt_conv *p, const int8_t *saved, const int32_t *kept, int nk, const float *g_acc,
                              int row0, int rows, float *out) {
    const int depthwise = p->groups > 1 && p->groups == p->cin;
    const int mult = depthwise ? p->cout / p->cin : 1;
    const int per_tap = depthwise ? 1 : (p->groups == 1 ? nk : p->cin / p->groups);
    const int x_stride = (p->groups == 1 || depthwise) ? nk : p->cin;
    const int row_len = p->kh * p->kw * per_tap;
    const int xz = p->x_zero, cout = p->cout;
    for (int i = 0; i < rows * row_len; i++) {
        out[i] = 0.0f;
    }
    if (p->groups == 1 && rows == 1) {
        /* one row (where rows of four do not fit the peak): the pixels where its gradient is not zero */
        for (int oy = 0; oy < p->out_h; oy++) {
            for (int ox = 0; ox < p->out_w; ox++) {
                const float a = g_acc[(oy * p->out_w + ox) * cout + row0];
                if (a == 0.0f) {
                    continue;
                }
                KT_WINDOW(p, oy * p->stride_h - p->pad_top, ox * p->stride_w - p->pad_left, ky, kx, iy, ix) {
                    row1(saved + (iy * p->in_w + ix) * nk, nk, xz, a, out + (ky * p->kw + kx) * nk);
                }
            }
        }
        return;
    }
    if (p->groups == 1) {
        /* rows are consecutive output channels: per output pixel and tap the saved row converted once for up to four
         * rows, those whose gradient there is zero left out (each element's sum keeps its order, and leaving out a
         * zero term changes no bit: a sum from +0 never becomes -0, and adding +-0 to it is exact) */
        for (int oy = 0; oy < p->out_h; oy++) {
            for (int ox = 0; ox < p->out_w; ox++) {
                const float *ga = g_acc + (oy * p->out_w + ox) * cout + row0;
                for (int r0 = 0; r0 < rows; r0 += 4) {
                    const int nr = rows - r0 < 4 ? rows - r0 : 4;
                    float a[4];
                    int live[4], n = 0;
                    for (int r = 0; r < nr; r++) {
                        if (ga[r0 + r] != 0.0f) {
                            a[n] = ga[r0 + r];
                            live[n++] = r0 + r;
                        }
                    }
                    if (n == 0) {
                        continue;
                    }
                    if (n == 3 && nr == 4) {
                        /* all four rows in one pass (the zero row adds +-0: no bit changes) */
                        for (n = 0; n < 4; n++) {
                            a[n] = ga[r0 + n];
                            live[n] = r0 + n;
                        }
                    }
                    KT_WINDOW(p, oy * p->stride_h - p->pad_top, ox * p->stride_w - p->pad_left, ky, kx, iy, ix) {
                        const int8_t *x = saved + (iy * p->in_w + ix) * nk;
                        float *g[4];
                        for (int r = 0; r < n; r++) {
                            g[r] = out + live[r] * row_len + (ky * p->kw + kx) * nk;
                        }
                        if (n == 3) {
                            rows_tap(x, nk, xz, a, 2, g);
                            rows_tap(x, nk, xz, a + 2, 1, g + 2);
                        } else {
                            rows_tap(x, nk, xz, a, n, g);
                        }
                    }
                }
            }
        }
        return;
    }
    for (int r = 0; r < rows; r++) {
        const int row = row0 + r;
        int co, x_base;
        if (depthwise) {
            const int kk = row / mult;
            co = (kept == NULL ? kk : (int)kept[kk]) * mult + row % mult;
            x_base = kk;
        } else {
            co = row;
            x_base = (co / (cout / p->groups)) * per_tap;
        }
        float *o = out + r * row_len;
        for (int oy = 0; oy < p->out_h; oy++) {
            for (int ox = 0; ox < p->out_w; ox++) {
                const float a = g_acc[(oy * p->out_w + ox) * cout + co];
                if (a == 0.0f) {
                    continue;
                }
                KT_WINDOW(p, oy * p->stride_h - p->pad_top, ox * p->stride_w - p->pad_left, ky, kx, iy, ix) {
                    const int8_t *xp = saved + (iy * p->in_w + ix) * x_stride + x_base;
                    float *g = o + (ky * p->kw + kx) * per_tap;
                    for (int j = 0; j < per_tap; j++) {
                        g[j] = g[j] + a * (float)((int32_t)xp[j] - xz);
                    }
                }
            }
        }
    }
}
