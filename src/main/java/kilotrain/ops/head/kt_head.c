/* The new float classifier head, forward and backward (the int8 logits are ops/dequantize's).
 * Part of kt_kernels.c, after kt_core.c. */

/* FloatHead.dequantize + forward */
void kt_head_fwd(const int8_t *q, int features, float scale, int zero, const float *w, const float *b, int classes,
                 float *feature_out, float *logits) {
    for (int i = 0; i < features; i++) {
        feature_out[i] = (float)((int32_t)q[i] - zero) * scale;
    }
    for (int n = 0; n < classes; n++) {
        float acc = 0.0f;
        const float *row = w + n * features;
        for (int i = 0; i < features; i++) {
            acc += row[i] * feature_out[i];
        }
        logits[n] = acc + b[n];
    }
}

void kt_head_bwd(const float *g, const float *feature, int features, const float *w, int classes, float scale,
                 float *g_w, float *g_b, float *g_feature) {
    for (int n = 0; n < classes; n++) {
        float gn = g[n];
        for (int i = 0; i < features; i++) {
            g_w[n * features + i] = gn * feature[i];
        }
        g_b[n] = gn;
    }
    if (g_feature != NULL) {
        for (int i = 0; i < features; i++) {
            float acc = 0.0f;
            for (int n = 0; n < classes; n++) {
                acc += w[n * features + i] * g[n];
            }
            g_feature[i] = acc * scale;
        }
    }
}
