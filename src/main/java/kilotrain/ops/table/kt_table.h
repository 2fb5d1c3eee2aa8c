/* ---- table operators (elementwise int8 functions as lookups) ---- */
/* y[i] = t[(uint8_t)x[i]]; y may be x */
void kt_table_i8(const int8_t *t, const int8_t *x, int8_t *y, int n);
/* gx[i] = gy[i] * d[(uint8_t)x[i]], or gx[i] + gy[i] * d[..] when acc; gx may be gy */
void kt_table_grad(const float *d, const int8_t *x, const float *gy, float *gx, int n, int acc);
