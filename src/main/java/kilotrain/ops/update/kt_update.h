/* ---- update ---- */
/* g becomes the step: g = (0 + g) * inv_b; g *= qas[row] (qas nullable); SGD (velocity nullable: no momentum). */
void kt_sgd_step(float *g, int n, float inv_b, const float *qas, int row_len, float *velocity, float momentum,
                 float lr);
/* Gradient accumulation over a device batch (TrainState.learnSample): sum[i] = 0 + g[i] for the batch's first sample
 * (first != 0), sum[i] + g[i] after. */
void kt_accumulate(float *sum, const float *g, int n, int first);
enum { KT_W_DEVICE_TRUNCATE = 0, KT_W_NEAREST_EVEN = 1, KT_W_STOCHASTIC = 2, KT_W_FLOAT_SHADOW = 3 };
enum { KT_B_NEAREST_EVEN = 0, KT_B_FLOAT_SHADOW = 1 };
/* Weight slice element i lives at w[index[i]]; rng: xorshift32 state (STOCHASTIC); shadow: master copy; every step
 * first limited to [-max_step, max_step] (FLT_MAX: no limit). */
void kt_update_i8(int rule, int8_t *w, const int32_t *index, int n, const float *d, uint32_t *rng, float *shadow,
                  float max_step);
void kt_update_i32(int rule, int32_t *b, int n, const float *d, float *shadow);
void kt_update_f32(float *v, int n, const float *d);
uint32_t kt_xorshift32(uint32_t *state);
