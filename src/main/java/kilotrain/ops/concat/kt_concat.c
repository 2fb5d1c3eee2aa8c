/* CONCATENATION and its gradient (Concatenation.put, Concatenation.grad). Part of kt_kernels.c. */

void kt_concat_put(const int8_t *x, int8_t *y, int outer, int block, int row, int start) {
    for (int k = 0; k < outer; k++) {
        memcpy(y + k * row + start, x + k * block, (size_t)block);
    }
}

void kt_concat_grad(const float *gy, float *gx, int outer, int block, int row, int start, int acc) {
    for (int k = 0; k < outer; k++) {
        for (int j = 0; j < block; j++) {
            float g = gy[k * row + start + j];
            gx[k * block + j] = acc ? gx[k * block + j] + g : g;
        }
    }
}
