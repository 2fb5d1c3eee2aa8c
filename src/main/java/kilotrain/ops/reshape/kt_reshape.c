/* Reshape as a copy, and the copy / accumulation of its gradient. Part of kt_kernels.c, after kt_core.c. */

void kt_copy_i8(const int8_t *x, int8_t *y, int n) {
    memmove(y, x, (size_t)n); /* the memory plan may place y over x */
}

void kt_copy_f32(const float *x, float *y, int n) {
    memmove(y, x, (size_t)n * sizeof(float));
}

void kt_add_into(float *dst, const float *src, int n) {
    for (int i = 0; i < n; i++) {
        dst[i] = dst[i] + src[i];
    }
}
