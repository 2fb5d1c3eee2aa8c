/* Parameter updates: gradient sums of a device batch, SGD step, int8 / int32 / float rounding rules, xorshift32. Part of kt_kernels.c,
 * after kt_core.c. */

uint32_t kt_xorshift32(uint32_t *state) {
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* Trainer.reduce (batch of one: 0 + g), TrainState.apply's 1/B and QAS, then Sgd.delta. */
void kt_sgd_step(float *g, int n, float inv_b, const float *qas, int row_len, float *velocity, float momentum,
                 float lr) {
    if (qas != NULL && velocity == NULL && row_len > 0) {
        /* plain SGD with QAS: one factor per row */
        for (int r0 = 0; r0 < n; r0 += row_len) {
            const float q = qas[r0 / row_len];
            const int e = n - r0 < row_len ? n : r0 + row_len;
            for (int i = r0; i < e; i++) {
                float v = (0.0f + g[i]) * inv_b;
                v = v * q;
                g[i] = lr * v;
            }
        }
        return;
    }
    for (int i = 0; i < n; i++) {
        float v = (0.0f + g[i]) * inv_b;
        if (qas != NULL) {
            v = v * qas[i / row_len];
        }
        if (velocity != NULL) {
            v = momentum * velocity[i] + v;
            velocity[i] = v;
        }
        g[i] = lr * v;
    }
}

void kt_accumulate(float *sum, const float *g, int n, int first) {
    if (first) {
        for (int i = 0; i < n; i++) {
            sum[i] = 0.0f + g[i];
        }
        return;
    }
    for (int i = 0; i < n; i++) {
        sum[i] = sum[i] + g[i];
    }
}

static float clamp127(float v) {
    return v < -127.0f ? -127.0f : (v > 127.0f ? 127.0f : v);
}

/* Int8WeightUpdate.limit */
static float kt_limit(float d, float m) {
    return d > m ? m : (d < -m ? -m : d);
}

/* Int8WeightUpdate */
void kt_update_i8(int rule, int8_t *w, const int32_t *index, int n, const float *d, uint32_t *rng, float *shadow,
                  float max_step) {
    if (rule == KT_W_STOCHASTIC) {
        /* the state in a register; |c| <= 127, so floor is the magic-number rounding stepped down where it rounded
         * up (a zero's sign may differ from kt_floorf's, which changes neither c - f against u nor the stored value) */
        uint32_t st = *rng;
        for (int i = 0; i < n; i++) {
            st ^= st << 13;
            st ^= st >> 17;
            st ^= st << 5;
            const float u = (float)(st >> 8) * 0x1.0p-24f;
            const int j = index != NULL ? (int)index[i] : i;
            const float v = (float)w[j] - kt_limit(d[i], max_step);
            if (v != v) {
                continue;
            }
            const float c = clamp127(v);
            const float r = (c + KT_MAGIC) - KT_MAGIC;
            const float f = r > c ? r - 1.0f : r;
            w[j] = (int8_t)(int)(u < c - f ? f + 1.0f : f);
        }
        *rng = st;
        return;
    }
    for (int i = 0; i < n; i++) {
        const int j = index != NULL ? (int)index[i] : i;
        const float di = kt_limit(d[i], max_step);
        if (rule == KT_W_FLOAT_SHADOW) {
            if (di != di) {
                continue;
            }
            float m = clamp127(shadow[i] - di);
            shadow[i] = m;
            w[j] = (int8_t)(int)kt_rintf(m);
            continue;
        }
        float u = 0.0f;
        if (rule == KT_W_STOCHASTIC) {
            u = (float)(kt_xorshift32(rng) >> 8) * 0x1.0p-24f; /* one draw per element, even when unused */
        }
        float v = (float)w[j] - di;
        if (v != v) {
            continue;
        }
        float c = clamp127(v);
        if (rule == KT_W_DEVICE_TRUNCATE) {
            w[j] = (int8_t)(int)c;
        } else if (rule == KT_W_NEAREST_EVEN) {
            w[j] = (int8_t)(int)kt_rintf(c);
        } else {
            float f = kt_floorf(c);
            w[j] = (int8_t)(int)(u < c - f ? f + 1.0f : f);
        }
    }
}

/* Int32BiasUpdate */
void kt_update_i32(int rule, int32_t *b, int n, const float *d, float *shadow) {
    for (int i = 0; i < n; i++) {
        float di = d[i];
        if (di != di) {
            continue;
        }
        if (rule == KT_B_NEAREST_EVEN) {
            float c = di < -0x1.0p32f ? -0x1.0p32f : (di > 0x1.0p32f ? 0x1.0p32f : di);
            int64_t v = (int64_t)b[i] - (int64_t)kt_rintf(c);
            b[i] = v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : (int32_t)v);
        } else {
            float m = shadow[i] - di;
            shadow[i] = m;
            if ((m < 0.0f ? -m : m) < 4194304.0f) {
                /* below 2^22 the rounded value is the bits of m + 1.5*2^23 minus those of 1.5*2^23 */
                b[i] = (int32_t)f2u(m + KT_MAGIC) - KT_MAGIC_BITS;
                continue;
            }
            float r = kt_rintf(m);
            if (r != r) {
                b[i] = 0; /* Java's (int) NaN */
                continue;
            }
            b[i] = r >= 0x1.0p31f ? INT32_MAX : (r <= -0x1.0p31f ? INT32_MIN : (int32_t)r);
        }
    }
}

void kt_update_f32(float *v, int n, const float *d) {
    for (int i = 0; i < n; i++) {
        v[i] = v[i] - d[i];
    }
}
