/* MEAN over adjacent axes and its gradient (Mean.java, MeanBackward.java). Part of kt_kernels.c, after kt_core.c. */

void kt_mean_fwd(const kt_mean *m, const int8_t *x, int8_t *y, uint8_t *mask, int32_t *sum) {
    for (int n = 0; n < m->batch; n++) {
        const int8_t *xb = x + n * m->pixels * m->c;
        for (int ch = 0; ch < m->c; ch++) {
            sum[ch] = 0;
        }
        for (int p = 0; p < m->pixels; p++) {
            for (int ch = 0; ch < m->c; ch++) {
                sum[ch] += xb[p * m->c + ch];
            }
        }
        for (int ch = 0; ch < m->c; ch++) {
            int o = n * m->c + ch;
            if (m->same) {
                y[o] = (int8_t)(sum[ch] / m->pixels);
            } else {
                int32_t v = kt_mul_quantized(sum[ch] - m->z_in * m->pixels, m->mult, m->shift) + m->z_out;
                y[o] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
                if (mask != NULL) {
                    mask_put(mask, o, v >= -128 && v <= 127);
                }
            }
        }
    }
}

void kt_mean_grad(const kt_mean *m, const float *gy, const uint8_t *mask, float *gx, int acc) {
    for (int n = 0; n < m->batch; n++) {
        for (int p = 0; p < m->pixels; p++) {
            int base = (n * m->pixels + p) * m->c;
            for (int ch = 0; ch < m->c; ch++) {
                int o = n * m->c + ch;
                float g = (mask == NULL || mask_get(mask, o)) ? gy[o] * m->k : 0.0f;
                gx[base + ch] = acc ? gx[base + ch] + g : g;
            }
        }
    }
}
