/* ---- MAX_POOL_2D ---- */
typedef struct {
    int in_h, in_w, c, out_h, out_w, fh, fw, sh, sw, pad_top, pad_left, act_min, act_max;
} kt_maxpool;
void kt_maxpool_fwd(const kt_maxpool *p, const int8_t *x, int8_t *y);
/* gx[first argmax of each window] += gy unless the activation clamped the maximum; gx cleared first unless acc */
void kt_maxpool_grad(const kt_maxpool *p, const int8_t *x, const float *gy, float *gx, int acc);
