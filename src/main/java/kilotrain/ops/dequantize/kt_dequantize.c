/* DEQUANTIZE and its gradient (ops/dequantize/Dequantize.java). Part of kt_kernels.c, after kt_core.c. */

void kt_dequantize(const int8_t *q, float *y, int n, float scale, int zero) {
    for (int i = 0; i < n; i++) {
        y[i] = (float)(q[i] - zero) * scale;
    }
}

void kt_dequantize_grad(const float *g_y, float scale, float *g_q, int n) {
    for (int i = 0; i < n; i++) {
        g_q[i] = g_y[i] * scale;
    }
}
