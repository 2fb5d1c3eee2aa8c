/* ---- residual add ---- */
/* Residual add: float_rint != 0 is the paper's float32 formula, otherwise TFLite's fixed-point ADD. */
typedef struct {
    int n, za, zb, zy, act_min, act_max, float_rint;
    float sa, sb, sy;
    int32_t mult_a, shift_a, mult_b, shift_b, mult_out, shift_out;
    /* backward ratios (float)(s_in / s_out) */
    float ra, rb;
} kt_add;
void kt_add_fwd(const kt_add *p, const int8_t *a, const int8_t *b, int8_t *y, uint8_t *mask);
void kt_add_bwd(const kt_add *p, const float *g_y, const uint8_t *mask, float *g_a, int acc_a, float *g_b,
                int acc_b);
