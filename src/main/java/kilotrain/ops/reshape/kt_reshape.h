/* ---- reshape (copy) ---- */
void kt_copy_i8(const int8_t *x, int8_t *y, int n);
void kt_copy_f32(const float *x, float *y, int n);
/* dst[i] = dst[i] + src[i] */
void kt_add_into(float *dst, const float *src, int n);
