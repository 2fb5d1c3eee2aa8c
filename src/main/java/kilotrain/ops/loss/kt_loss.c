/* Softmax cross-entropy. Part of kt_kernels.c, after kt_core.c. */

float kt_softmax_ce(const float *logits, int n, int label, float *grad) {
    if (n <= 0 || label < 0 || label >= n) {
        return u2f(0x7fc00000u);
    }
    float m = logits[0];
    for (int i = 1; i < n; i++) {
        if (logits[i] > m) {
            m = logits[i];
        }
    }
    float s = 0.0f;
    for (int i = 0; i < n; i++) {
        float e = kt_expf(logits[i] - m);
        grad[i] = e;
        s += e;
    }
    for (int i = 0; i < n; i++) {
        grad[i] = grad[i] / s;
    }
    grad[label] -= 1.0f;
    return kt_logf(s) - (logits[label] - m);
}

float kt_mse(const float *pred, const float *target, int n, float *grad) {
    float k = 2.0f / (float)n;
    float s = 0.0f;
    for (int i = 0; i < n; i++) {
        float d = pred[i] - target[i];
        float sq = d * d;
        s += sq;
        grad[i] = d * k;
    }
    return s / (float)n;
}

float kt_mse_q(const float *pred, const int8_t *target, float scale, int zero, int n, float *grad) {
    float k = 2.0f / (float)n;
    float s = 0.0f;
    for (int i = 0; i < n; i++) {
        float t = (float)(target[i] - zero) * scale;
        float d = pred[i] - t;
        float sq = d * d;
        s += sq;
        grad[i] = d * k;
    }
    return s / (float)n;
}

float kt_bce(float z, int label, float *grad) {
    if (label != 0 && label != 1) {
        return u2f(0x7fc00000u);
    }
    float a = z < 0.0f ? -z : z;
    float e = kt_expf(-a);
    float one_plus = 1.0f + e;
    float m = z > 0.0f ? z : 0.0f;
    float zy = label == 1 ? z : 0.0f;
    float loss = (m - zy) + kt_logf(one_plus);
    float p = z >= 0.0f ? 1.0f / one_plus : e / one_plus;
    grad[0] = p - (float)label;
    return loss;
}
