/* Average pooling: forward and backward. Part of kt_kernels.c, after kt_core.c. */

void kt_pool_fwd(const kt_pool *p, const int8_t *x, int8_t *y) {
    for (int oy = 0; oy < p->out_h; oy++) {
        int y0 = oy * p->stride_h - p->pad_top;
        int ys = y0 < 0 ? 0 : y0, ye = y0 + p->fh > p->in_h ? p->in_h : y0 + p->fh;
        for (int ox = 0; ox < p->out_w; ox++) {
            int x0 = ox * p->stride_w - p->pad_left;
            int xs = x0 < 0 ? 0 : x0, xe = x0 + p->fw > p->in_w ? p->in_w : x0 + p->fw;
            int count = (ye - ys) * (xe - xs);
            int8_t *o = y + (oy * p->out_w + ox) * p->c;
            for (int ch = 0; ch < p->c; ch++) {
                int32_t sum = 0;
                for (int iy = ys; iy < ye; iy++) {
                    for (int ix = xs; ix < xe; ix++) {
                        sum += x[(iy * p->in_w + ix) * p->c + ch];
                    }
                }
                int32_t q;
                if (count <= 0) {
                    q = 0;
                } else if (p->float_rint) {
                    q = (int32_t)kt_rintf((float)sum / (float)count);
                } else {
                    q = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
                }
                o[ch] = (int8_t)(q < p->act_min ? p->act_min : (q > p->act_max ? p->act_max : q));
            }
        }
    }
}

/*
 * AvgPoolBackward (no mask): each g_x element a sum from +0 over the output pixels whose window holds it, in raster
 * order, formed in a register and then stored (or added to g_x when accumulating, as a separate fresh sum would be).
 */
#define KT_POOL_REACH 16
void kt_pool_bwd(const kt_pool *p, const float *g_y, float *g_x, int accumulate) {
    for (int iy = 0; iy < p->in_h; iy++) {
        for (int ix = 0; ix < p->in_w; ix++) {
            float *gx = g_x + (iy * p->in_w + ix) * p->c;
            /* the output pixels whose window holds this input pixel, in raster order, with their 1/count, found
             * once for all channels */
            int32_t reach[KT_POOL_REACH];
            float inv[KT_POOL_REACH];
            int nr = 0;
            for (int oy = 0; oy < p->out_h && nr >= 0; oy++) {
                const int y0 = oy * p->stride_h - p->pad_top;
                const int ys = y0 < 0 ? 0 : y0, ye = y0 + p->fh > p->in_h ? p->in_h : y0 + p->fh;
                if (iy < ys || iy >= ye) {
                    continue;
                }
                for (int ox = 0; ox < p->out_w; ox++) {
                    const int x0 = ox * p->stride_w - p->pad_left;
                    const int xs = x0 < 0 ? 0 : x0, xe = x0 + p->fw > p->in_w ? p->in_w : x0 + p->fw;
                    if (ix < xs || ix >= xe) {
                        continue;
                    }
                    if (nr == KT_POOL_REACH) {
                        nr = -1; /* overlapping windows beyond the list: the general loop below */
                        break;
                    }
                    reach[nr] = (oy * p->out_w + ox) * p->c;
                    inv[nr++] = 1.0f / (float)((ye - ys) * (xe - xs));
                }
            }
            if (nr >= 0) {
                for (int c = 0; c < p->c; c++) {
                    float s = 0.0f;
                    for (int k = 0; k < nr; k++) {
                        s += g_y[reach[k] + c] * inv[k];
                    }
                    gx[c] = accumulate ? gx[c] + s : s;
                }
                continue;
            }
            for (int c = 0; c < p->c; c++) {
                float s = 0.0f;
                for (int oy = 0; oy < p->out_h; oy++) {
                    int y0 = oy * p->stride_h - p->pad_top;
                    int ys = y0 < 0 ? 0 : y0, ye = y0 + p->fh > p->in_h ? p->in_h : y0 + p->fh;
                    if (iy < ys || iy >= ye) {
                        continue;
                    }
                    for (int ox = 0; ox < p->out_w; ox++) {
                        int x0 = ox * p->stride_w - p->pad_left;
                        int xs = x0 < 0 ? 0 : x0, xe = x0 + p->fw > p->in_w ? p->in_w : x0 + p->fw;
                        if (ix < xs || ix >= xe) {
                            continue;
                        }
                        float inv = 1.0f / (float)((ye - ys) * (xe - xs));
                        s += g_y[(oy * p->out_w + ox) * p->c + c] * inv;
                    }
                }
                gx[c] = accumulate ? gx[c] + s : s;
            }
        }
    }
}
