/* ---- CONCATENATION ---- */
/* for k < outer: y[k * row + start ..] = x[k * block ..], block bytes */
void kt_concat_put(const int8_t *x, int8_t *y, int outer, int block, int row, int start);
/* for k < outer: gx[k * block + j] = gy[k * row + start + j] (or gx + that when acc) */
void kt_concat_grad(const float *gy, float *gx, int outer, int block, int row, int start, int acc);
