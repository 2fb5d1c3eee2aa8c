/* ---- activations with C kernels of their own (PRELU) ---- */
/* PRELU: element i's alpha is alpha[i % per] (one value, per channel or per element);
 * r = {s_x / s_y, then per alpha value s_x s_alpha (alpha - za) / s_y}. */
typedef struct {
    int n, per, zx, za, zy;
    int32_t mult1, shift1, mult2, shift2;
    const int8_t *alpha;
    const float *r;
} kt_prelu;
void kt_prelu_fwd(const kt_prelu *p, const int8_t *x, int8_t *y);
void kt_prelu_bwd(const kt_prelu *p, const int8_t *x, const float *g_y, float *g_x, int acc);
