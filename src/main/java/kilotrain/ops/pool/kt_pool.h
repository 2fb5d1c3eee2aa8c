/* ---- average pooling ---- */
typedef struct {
    int in_h, in_w, c, out_h, out_w, fh, fw, stride_h, stride_w, pad_top, pad_left, float_rint, act_min, act_max;
} kt_pool;
void kt_pool_fwd(const kt_pool *p, const int8_t *x, int8_t *y);
/* accumulate != 0: g_x += the new gradient (formed as a fresh sum first, as the Java twin does). */
void kt_pool_bwd(const kt_pool *p, const float *g_y, float *g_x, int accumulate);
