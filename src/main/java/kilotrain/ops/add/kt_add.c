/* Residual add: forward (with its clamp mask) and backward. Part of kt_kernels.c, after kt_core.c. */

static int32_t add_fixed_unclamped(const kt_add *p, int8_t qa, int8_t qb) {
    int32_t a = ((int32_t)qa - p->za) * (1 << 20);
    int32_t b = ((int32_t)qb - p->zb) * (1 << 20);
    int32_t sa = rdbypot(srdhm(a, p->mult_a), (int)-p->shift_a);
    int32_t sb = rdbypot(srdhm(b, p->mult_b), (int)-p->shift_b);
    return kt_mul_quantized(sa + sb, p->mult_out, p->shift_out) + p->zy;
}

void kt_add_fwd(const kt_add *p, const int8_t *a, const int8_t *b, int8_t *y, uint8_t *mask) {
    if (mask != NULL) {
        memset(mask, 0, (size_t)((p->n + 7) / 8));
    }
    const float lo = (float)p->act_min, hi = (float)p->act_max;
    if (p->float_rint) {
        /* AddKernel's float formula, the unclamped output rint(((a - za) * sa + (b - zb) * sb) / sy) + zy, with the
         * parameters in registers; below 2^22 the rounding is (v + 1.5*2^23) - 1.5*2^23,
         * which differs from kt_rintf only in the sign of a zero, and that sign changes neither q's value nor y */
        const float za = (float)p->za, zb = (float)p->zb, zy = (float)p->zy, sa = p->sa, sb = p->sb, sy = p->sy;
        for (int i = 0; i < p->n; i++) {
            const float v = (((float)a[i] - za) * sa + ((float)b[i] - zb) * sb) / sy;
            const float av = v < 0.0f ? -v : v;
            const float q = (av < 4194304.0f ? (v + KT_MAGIC) - KT_MAGIC : kt_rintf(v)) + zy;
            y[i] = (int8_t)(int)(q < lo ? lo : (q > hi ? hi : q));
            if (mask != NULL && q >= lo && q <= hi) {
                mask[i >> 3] |= (uint8_t)(1u << (i & 7));
            }
        }
        return;
    }
    for (int i = 0; i < p->n; i++) {
        const int32_t raw = add_fixed_unclamped(p, a[i], b[i]);
        y[i] = (int8_t)(raw < p->act_min ? p->act_min : (raw > p->act_max ? p->act_max : raw));
        if (mask != NULL && raw >= p->act_min && raw <= p->act_max) {
            mask[i >> 3] |= (uint8_t)(1u << (i & 7));
        }
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
