/* The separable gather and its gradient (GatherKernel.java: the same walk and summation order). Part of
 * kt_kernels.c. */

static int kt_gather_base(const kt_gather *g, const int *idx, int32_t *base) {
    const int32_t *o = g->off;
    int pad = 0;
    int32_t b = 0;
    for (int d = 0; d < g->rank - 1; d++) {
        int32_t v = o[idx[d]];
        pad |= v < 0;
        b += v;
        o += g->dims[d];
    }
    *base = b;
    return pad;
}

static void kt_gather_next(const kt_gather *g, int *idx) {
    for (int d = g->rank - 2; d >= 0; d--) {
        if (++idx[d] < g->dims[d]) {
            return;
        }
        idx[d] = 0;
    }
}

static const int32_t *kt_gather_last(const kt_gather *g, int *outer) {
    const int32_t *o = g->off;
    int n = 1;
    for (int d = 0; d < g->rank - 1; d++) {
        o += g->dims[d];
        n *= g->dims[d];
    }
    *outer = n;
    return o;
}

void kt_gather_i8(const kt_gather *g, const int8_t *x, int8_t *y) {
    int idx[KT_GATHER_MAX] = {0};
    int outer;
    const int32_t *last = kt_gather_last(g, &outer);
    int inner = g->dims[g->rank - 1];
    for (int k = 0; k < outer; k++) {
        int32_t base;
        if (kt_gather_base(g, idx, &base)) {
            memset(y, g->fill, (size_t)inner);
        } else {
            for (int j = 0; j < inner; j++) {
                int32_t v = last[j];
                y[j] = v < 0 ? g->fill : x[base + v];
            }
        }
        y += inner;
        kt_gather_next(g, idx);
    }
}

void kt_gather_grad(const kt_gather *g, const float *gy, float *gx, int acc) {
    int idx[KT_GATHER_MAX] = {0};
    int outer;
    const int32_t *last = kt_gather_last(g, &outer);
    int inner = g->dims[g->rank - 1];
    if (!acc) {
        for (int i = 0; i < g->in; i++) {
            gx[i] = 0.0f;
        }
    }
    for (int k = 0; k < outer; k++) {
        int32_t base;
        if (!kt_gather_base(g, idx, &base)) {
            for (int j = 0; j < inner; j++) {
                int32_t v = last[j];
                if (v >= 0) {
                    gx[base + v] = gx[base + v] + gy[j];
                }
            }
        }
        gy += inner;
        kt_gather_next(g, idx);
    }
}
