
/* ---------------------------------------------------------------- in-place input gradients (kt_conv_inplace.c)
 * Alias-safe forms of kt_conv_input_grad (Java: ConvInputGradInPlace), appended to the conv section: g_x may start
 * where g_acc starts although the two differ in size. Each element is the same sum in the same order as
 * kt_conv_input_grad's, since they run its own loops on a part of the problem at a time. */

/*
 * Depthwise (multiplier 1). With dw_lanes (dilation 1): channels [ch, ch + L) of g_acc (L = 8 while group allows and
 * eight are left, then 4) copied into scratch, their g_x written in place by dw_lanes: g_x's channel k only
 * overwrites g_acc's channel k (both NHWC with c channels, from the same address), already copied; the channels left
 * one at a time below. Otherwise: channels [ch, ch + g) of g_acc copied into scratch, their g_x computed after them in
 * the scratch, then stored at the same channels.
 */
static void depthwise_input_grad_inplace(const kt_conv *p, const int8_t *w, const kt_slice *s, const float *g_acc,
                                         float *g_x, float *scratch, int group, float *row) {
    const int c = p->cin, taps = p->kh * p->kw, out_px = p->out_h * p->out_w, in_px = p->in_h * p->in_w;
    int ch0 = 0;
    if (KT_DW_LANES(p)) {
        while (ch0 + 4 <= c) {
            const int lanes = ch0 + 8 <= c && group >= 8 ? 8 : 4;
            /* constant sizes: the copies inline as word loads and stores */
            if (lanes == 8) {
                for (int q = 0; q < out_px; q++) {
                    memcpy(scratch + q * 8, g_acc + q * c + ch0, 8 * sizeof(float));
                }
            } else {
                for (int q = 0; q < out_px; q++) {
                    memcpy(scratch + q * 4, g_acc + q * c + ch0, 4 * sizeof(float));
                }
            }
            dw_lanes(p, w, s, scratch, lanes, g_x, 0, row, ch0, lanes);
            ch0 += lanes;
        }
        group = 1;
    }
    for (int ch = ch0; ch < c; ch += group) {
        const int g = c - ch < group ? c - ch : group;
        float *ga = scratch, *gx = scratch + out_px * g;
        for (int q = 0; q < out_px; q++) {
            for (int j = 0; j < g; j++) {
                ga[q * g + j] = g_acc[q * c + ch + j];
            }
        }
        kt_conv sub = *p;
        sub.cin = sub.cout = sub.groups = g;
        /* the weights of channels ch.. as the sub-problem's (slot: position of each channel in the slice's rows, -1
         * when frozen; NULL: row k is channel k) */
        kt_slice ss;
        const kt_slice *sp = NULL;
        if (s != NULL) {
            ss = *s;
            sp = &ss;
            if (g == 1) {
                /* one channel is an ungrouped conv to weight_row: its one row, wherever it lives */
                const int kk = s->slot == NULL ? ch : (int)s->slot[ch];
                ss.kept = NULL;
                ss.slot = NULL;
                ss.w = s->w + kk * taps;
                if (kk < 0) {
                    sp = NULL;
                }
            } else if (s->slot != NULL) {
                ss.slot = s->slot + ch;
            } else {
                ss.w = s->w + ch * taps;
            }
        }
        depthwise_input_grad(&sub, w + ch * taps, sp, ga, gx, 0, row);
        for (int px = 0; px < in_px; px++) {
            for (int j = 0; j < g; j++) {
                g_x[px * c + ch + j] = gx[px * g + j];
            }
        }
    }
}

/* 1x1, stride 1: group pixels at a time into scratch, then stored at their place; ascending pixels when g_x is the
 * smaller (a store then only overwrites g_acc pixels already read), descending when it is the larger. */
static void pointwise_input_grad_inplace(const kt_conv *p, const int8_t *w, const kt_slice *s, const float *g_acc,
                                         float *g_x, float *scratch, int group, float *row) {
    const int cin = p->cin, cout = p->cout, pixels = p->in_h * p->in_w;
    const int groups = (pixels + group - 1) / group;
    for (int k = 0; k < groups; k++) {
        const int gi = cin <= cout ? k : groups - 1 - k, p0 = gi * group;
        const int n = pixels - p0 < group ? pixels - p0 : group;
        kt_conv sub = *p;
        sub.in_h = sub.out_h = 1;
        sub.in_w = sub.out_w = n;
        kt_conv_input_grad(&sub, w, s, g_acc + p0 * cout, scratch, 0, row);
        memcpy(g_x + p0 * cin, scratch, (size_t)n * (size_t)cin * sizeof(float));
    }
}

void kt_conv_input_grad_inplace(const kt_conv *p, const int8_t *w, const kt_slice *s, const float *g_acc,
                                float *g_x, float *scratch, int group, float *row) {
    if (p->groups > 1) {
        depthwise_input_grad_inplace(p, w, s, g_acc, g_x, scratch, group, row);
    } else {
        pointwise_input_grad_inplace(p, w, s, g_acc, g_x, scratch, group, row);
    }
}
