/* Table operators: the lookup forward and the gradient lookup (TableKernel.java). Part of kt_kernels.c. */

void kt_table_i8(const int8_t *t, const int8_t *x, int8_t *y, int n) {
    for (int i = 0; i < n; i++) {
        y[i] = t[(uint8_t)x[i]];
    }
}

void kt_table_grad(const float *d, const int8_t *x, const float *gy, float *gx, int n, int acc) {
    if (acc) {
        for (int i = 0; i < n; i++) {
            gx[i] = gx[i] + gy[i] * d[(uint8_t)x[i]];
        }
    } else {
        for (int i = 0; i < n; i++) {
            gx[i] = gy[i] * d[(uint8_t)x[i]];
        }
    }
}
