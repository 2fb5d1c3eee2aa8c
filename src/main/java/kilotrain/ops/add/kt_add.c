/* Residual add: forward (with its clamp mask) and backward. Part of kt_kernels.c, after kt_core.c. */

static int32_t add_fixed_unclamped(const kt_add *p, int8_t qa, int8_t qb) {
    const int32_t sa = kt_rescale_input(qa, p->za, p->mult_a, p->shift_a);
    const int32_t sb = kt_rescale_input(qb, p->zb, p->mult_b, p->shift_b);
    return kt_mul_quantized(sa + sb, p->mult_out, p->shift_out) + p->zy;
}

void kt_add_fwd(const kt_add *p, const int8_t *a, const int8_t *b, int8_t *y, uint8_t *mask) {
    const float lo = (float)p->act_min, hi = (float)p->act_max;
    if (p->float_rint) {
        /* AddKernel's float formula, the unclamped output rint(((a - za) * sa + (b - zb) * sb) / sy) + zy, with the
         * parameters in registers; below 2^22 the rounding is (v + 1.5*2^23) - 1.5*2^23,
         * which differs from kt_rintf only in the sign of a zero, and that sign changes neither q's value nor y.
         * With a mask, one compare chain gives both the clamp and the mask bit (set when lo <= q <= hi) and each
         * mask byte is gathered in a register and stored once. */
        const float za = (float)p->za, zb = (float)p->zb, zy = (float)p->zy, sa = p->sa, sb = p->sb, sy = p->sy;
        const int n = p->n;
        if (mask == NULL) {
            for (int i = 0; i < n; i++) {
                const float v = (((float)a[i] - za) * sa + ((float)b[i] - zb) * sb) / sy;
                const float av = v < 0.0f ? -v : v;
                const float q = (av < 4194304.0f ? (v + KT_MAGIC) - KT_MAGIC : kt_rintf(v)) + zy;
                y[i] = (int8_t)(int)(q < lo ? lo : (q > hi ? hi : q));
            }
            return;
        }
        for (int i0 = 0; i0 < n; i0 += 8) {
            const int e = n - i0 < 8 ? n - i0 : 8;
            unsigned m = 0;
            for (int j = 0; j < e; j++) {
                const int i = i0 + j;
                const float v = (((float)a[i] - za) * sa + ((float)b[i] - zb) * sb) / sy;
                const float av = v < 0.0f ? -v : v;
                const float q = (av < 4194304.0f ? (v + KT_MAGIC) - KT_MAGIC : kt_rintf(v)) + zy;
                float c = q;
                if (q < lo) {
                    c = lo;
                } else if (q > hi) {
                    c = hi;
                } else if (q == q) {
                    m |= 1u << j;
                }
                y[i] = (int8_t)(int)c;
            }
            mask[i0 >> 3] = (uint8_t)m;
        }
        return;
    }
    if (mask != NULL) {
        memset(mask, 0, (size_t)((p->n + 7) / 8));
    }
    for (int i = 0; i < p->n; i++) {
        kt_store_clamped(add_fixed_unclamped(p, a[i], b[i]), p->act_min, p->act_max, y, mask, i);
    }
}

void kt_add_bwd(const kt_add *p, const float *g_y, const uint8_t *mask, float *g_a, int acc_a, float *g_b,
                int acc_b) {
    if (g_a != NULL && g_b != NULL && !acc_a && !acc_b) {
        /* the usual case (both inputs fresh), the mask read a byte at a time */
        const float ra = p->ra, rb = p->rb;
        for (int i0 = 0; i0 < p->n; i0 += 8) {
            const unsigned m = mask[i0 >> 3];
            const int n = p->n - i0 < 8 ? p->n - i0 : 8;
            for (int j = 0; j < n; j++) {
                const float g = g_y[i0 + j];
                const int pass = (m >> j) & 1u;
                g_a[i0 + j] = pass ? g * ra : 0.0f;
                g_b[i0 + j] = pass ? g * rb : 0.0f;
            }
        }
        return;
    }
    for (int i = 0; i < p->n; i++) {
        int pass = mask_get(mask, i);
        float g = g_y[i];
        if (g_a != NULL) {
            float v = pass ? g * p->ra : 0.0f;
            g_a[i] = acc_a ? g_a[i] + v : v;
        }
        if (g_b != NULL) {
            float v = pass ? g * p->rb : 0.0f;
            g_b[i] = acc_b ? g_b[i] + v : v;
        }
    }
}
