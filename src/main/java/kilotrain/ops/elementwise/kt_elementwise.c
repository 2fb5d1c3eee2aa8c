/* MUL, SUB, broadcasting ADD: BinaryKernel.forward / BinaryKernel.backward, bit for bit. Part of kt_kernels.c. */

/* Binary.unclamped: the output before the activation clamp (Rescale.unclamped for ADD and SUB). */
static int32_t binary_unclamped(const kt_binary *p, int8_t qa, int8_t qb) {
    if (p->kind == 2) {
        return kt_mul_quantized(((int32_t)qa - p->za) * ((int32_t)qb - p->zb), p->mult, p->shift) + p->zy;
    }
    const int32_t x = kt_rescale_input(qa, p->za, p->mult_a, p->shift_a);
    const int32_t y = kt_rescale_input(qb, p->zb, p->mult_b, p->shift_b);
    return kt_mul_quantized(p->kind == 1 ? x - y : x + y, p->mult, p->shift) + p->zy;
}

/* The next output element in raster order: advances the operands' indices *ia, *ib along their strides. */
static void binary_next(const kt_binary *p, int *idx, int *ia, int *ib) {
    for (int d = 5; d >= 0; d--) {
        if (++idx[d] < p->shape[d]) {
            *ia += p->sa[d];
            *ib += p->sb[d];
            return;
        }
        *ia -= p->sa[d] * (p->shape[d] - 1);
        *ib -= p->sb[d] * (p->shape[d] - 1);
        idx[d] = 0;
    }
}

void kt_binary_fwd(const kt_binary *p, const int8_t *a, const int8_t *b, int8_t *y, uint8_t *mask) {
    int idx[6] = {0, 0, 0, 0, 0, 0}, ia = 0, ib = 0;
    if (mask != NULL) {
        memset(mask, 0, (size_t)((p->n + 7) / 8));
    }
    for (int i = 0; i < p->n; i++) {
        kt_store_clamped(binary_unclamped(p, a[ia], b[ib]), p->act_min, p->act_max, y, mask, i);
        binary_next(p, idx, &ia, &ib);
    }
}

/* One operand's gradient (second: b), other: the other operand's bytes (MUL). */
static void binary_grad(const kt_binary *p, int second, const float *g_y, const uint8_t *mask, const int8_t *other,
                        float *g, int acc, float *scratch) {
    const int nx = second ? p->nb : p->na, bc = second ? p->bcast_b : p->bcast_a, zo = second ? p->za : p->zb;
    const float r = second ? p->rb : p->ra;
    float *sum = bc ? (acc ? scratch : g) : NULL;
    int idx[6] = {0, 0, 0, 0, 0, 0}, ia = 0, ib = 0;
    if (sum != NULL) {
        for (int j = 0; j < nx; j++) {
            sum[j] = 0.0f;
        }
    }
    for (int i = 0; i < p->n; i++) {
        float t = 0.0f;
        if (mask_get(mask, i)) {
            t = p->kind == 2 ? (g_y[i] * (float)((int32_t)other[second ? ia : ib] - zo)) * r : g_y[i] * r;
        }
        if (sum != NULL) {
            const int j = second ? ib : ia;
            sum[j] = sum[j] + t;
        } else {
            g[i] = acc ? g[i] + t : t;
        }
        binary_next(p, idx, &ia, &ib);
    }
    if (sum != NULL && acc) {
        for (int j = 0; j < nx; j++) {
            g[j] = g[j] + sum[j];
        }
    }
}

void kt_binary_bwd(const kt_binary *p, const float *g_y, const uint8_t *mask, const int8_t *a, const int8_t *b,
                   float *g_a, int acc_a, float *g_b, int acc_b, float *scratch) {
    if (g_a != NULL) {
        binary_grad(p, 0, g_y, mask, b, g_a, acc_a, scratch);
    }
    if (g_b != NULL) {
        binary_grad(p, 1, g_y, mask, a, g_b, acc_b, scratch);
    }
}
