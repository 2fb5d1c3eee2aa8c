/* MAX_POOL_2D and its gradient (MaxPool2D.java: forward, backward). Part of kt_kernels.c. */

static int kt_maxpool_lo(int o, int s, int pad) {
    int v = o * s - pad;
    return v < 0 ? 0 : v;
}

static int kt_maxpool_hi(int o, int s, int pad, int f, int n) {
    int v = o * s - pad + f;
    return v > n ? n : v;
}

void kt_maxpool_fwd(const kt_maxpool *p, const int8_t *x, int8_t *y) {
    for (int oy = 0; oy < p->out_h; oy++) {
        int y0 = kt_maxpool_lo(oy, p->sh, p->pad_top), y1 = kt_maxpool_hi(oy, p->sh, p->pad_top, p->fh, p->in_h);
        for (int ox = 0; ox < p->out_w; ox++) {
            int x0 = kt_maxpool_lo(ox, p->sw, p->pad_left);
            int x1 = kt_maxpool_hi(ox, p->sw, p->pad_left, p->fw, p->in_w);
            int8_t *yo = y + (oy * p->out_w + ox) * p->c;
            for (int ch = 0; ch < p->c; ch++) {
                int max = -128;
                for (int iy = y0; iy < y1; iy++) {
                    for (int ix = x0; ix < x1; ix++) {
                        int v = x[(iy * p->in_w + ix) * p->c + ch];
                        max = v > max ? v : max;
                    }
                }
                max = max < p->act_min ? p->act_min : max;
                yo[ch] = (int8_t)(max > p->act_max ? p->act_max : max);
            }
        }
    }
}

void kt_maxpool_grad(const kt_maxpool *p, const int8_t *x, const float *gy, float *gx, int acc) {
    if (!acc) {
        int n = p->in_h * p->in_w * p->c;
        for (int i = 0; i < n; i++) {
            gx[i] = 0.0f;
        }
    }
    for (int oy = 0; oy < p->out_h; oy++) {
        int y0 = kt_maxpool_lo(oy, p->sh, p->pad_top), y1 = kt_maxpool_hi(oy, p->sh, p->pad_top, p->fh, p->in_h);
        for (int ox = 0; ox < p->out_w; ox++) {
            int x0 = kt_maxpool_lo(ox, p->sw, p->pad_left);
            int x1 = kt_maxpool_hi(ox, p->sw, p->pad_left, p->fw, p->in_w);
            int o = (oy * p->out_w + ox) * p->c;
            for (int ch = 0; ch < p->c; ch++) {
                int max = -129, at = -1;
                for (int iy = y0; iy < y1; iy++) {
                    for (int ix = x0; ix < x1; ix++) {
                        int i = (iy * p->in_w + ix) * p->c + ch;
                        if (x[i] > max) {
                            max = x[i];
                            at = i;
                        }
                    }
                }
                if (at >= 0 && max >= p->act_min && max <= p->act_max) {
                    gx[at] = gx[at] + gy[o + ch];
                }
            }
        }
    }
}
