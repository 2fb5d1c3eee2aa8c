/* ---- shared: scalar helpers (exported for tests) ---- */
float kt_rintf(float x);
float kt_floorf(float x);
float kt_expf(float x);
float kt_logf(float x);
int32_t kt_mul_quantized(int32_t x, int32_t mult, int32_t shift);
