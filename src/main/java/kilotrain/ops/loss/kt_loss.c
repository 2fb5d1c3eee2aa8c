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
