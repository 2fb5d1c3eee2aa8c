/* ---- fully connected ---- */
typedef struct {
    int in, out, x_zero, y_zero, act_min, act_max, float_rint;
    const float *eff;
    const int32_t *limit;
    const int32_t *mult;
    const int32_t *shift;
} kt_fc;
void kt_fc_fwd(const kt_fc *p, const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y);
