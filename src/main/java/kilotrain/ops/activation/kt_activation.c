/* PRELU: Prelu.forward / Prelu.backward, bit for bit. Part of kt_kernels.c. */

/* Prelu.unclamped: element i's output before the saturation, its zero point included. */
static int32_t prelu_unclamped(const kt_prelu *p, int8_t q, int i) {
    const int32_t v = (int32_t)q - p->zx;
    if (v >= 0) {
        return kt_mul_quantized(v, p->mult1, p->shift1) + p->zy;
    }
    const int32_t a = (int32_t)p->alpha[i % p->per] - p->za;
    return kt_mul_quantized(v * a, p->mult2, p->shift2) + p->zy;
}

void kt_prelu_fwd(const kt_prelu *p, const int8_t *x, int8_t *y) {
    for (int i = 0; i < p->n; i++) {
        const int32_t u = prelu_unclamped(p, x[i], i);
        y[i] = (int8_t)(u < -128 ? -128 : (u > 127 ? 127 : u));
    }
}

void kt_prelu_bwd(const kt_prelu *p, const int8_t *x, const float *g_y, float *g_x, int acc) {
    for (int i = 0; i < p->n; i++) {
        const int32_t u = prelu_unclamped(p, x[i], i);
        float t = 0.0f;
        if (u >= -128 && u <= 127) {
            t = g_y[i] * ((int32_t)x[i] >= p->zx ? p->r[0] : p->r[1 + i % p->per]);
        }
        g_x[i] = acc ? g_x[i] + t : t;
    }
}
