/* Fully connected forward. Part of kt_kernels.c, after kt_core.c. */

void kt_fc_fwd(const kt_fc *p, const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y) {
    const int lo = p->act_min - p->y_zero, hi = p->act_max - p->y_zero;
    for (int o = 0; o < p->out; o++) {
        int32_t acc = bias != NULL ? bias[o] : 0;
        const int8_t *wp = w + o * p->in;
        for (int i = 0; i < p->in; i++) {
            acc += (int32_t)wp[i] * ((int32_t)x[i] - p->x_zero);
        }
        int32_t q = requant_raw(p->float_rint, p->eff, p->limit, p->mult, p->shift, acc, o);
        y[o] = (int8_t)((q < lo ? lo : (q > hi ? hi : q)) + p->y_zero);
    }
}

/* AddKernel: the unclamped output (zero point included). */
