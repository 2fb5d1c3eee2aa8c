#include "kt_rows.h"

void kt_conv_weight_grad_rows(const kt_conv *p, const int8_t *saved, const int32_t *kept, int nk, const float *g_acc,
                              int row0, int rows, float *out) {
    const int depthwise = p->groups > 1 && p->groups == p->cin;
    const int mult = depthwise ? p->cout / p->cin : 1;
    const int per_tap = depthwise ? 1 : (p->groups == 1 ? nk : p->cin / p->groups);
    const int x_stride = (p->groups == 1 || depthwise) ? nk : p->cin;
    const int row_len = p->kh * p->kw * per_tap;
    const int xz = p->x_zero, cout = p->cout;
    for (int r = 0; r < rows; r++) {
        const int row = row0 + r;
        int co, x_base;
        if (depthwise) {
            const int kk = row / mult;
            co = (kept == NULL ? kk : (int)kept[kk]) * mult + row % mult;
            x_base = kk;
        } else {
            co = row;
            x_base = p->groups == 1 ? 0 : (co / (cout / p->groups)) * per_tap;
        }
        float *o = out + r * row_len;
        for (int i = 0; i < row_len; i++) {
            o[i] = 0.0f;
        }
        for (int oy = 0; oy < p->out_h; oy++) {
            for (int ox = 0; ox < p->out_w; ox++) {
                const float a = g_acc[(oy * p->out_w + ox) * cout + co];
                if (a == 0.0f) {
                    continue;
                }
                KT_WINDOW(p, oy * p->stride_h - p->pad_top, ox * p->stride_w - p->pad_left, ky, kx, iy, ix) {
                    const int8_t *xp = saved + (iy * p->in_w + ix) * x_stride + x_base;
                    float *g = o + (ky * p->kw + kx) * per_tap;
                    for (int j = 0; j < per_tap; j++) {
                        g[j] = g[j] + a * (float)((int32_t)xp[j] - xz);
                    }
                }
            }
        }
    }
}
