/* ---- classifier heads ---- */
/* feature_out: the dequantized feature (kept for the head's backward pass). */
void kt_head_fwd(const int8_t *q, int features, float scale, int zero, const float *w, const float *b, int classes,
                 float *feature_out, float *logits);
void kt_head_bwd(const float *g, const float *feature, int features, const float *w, int classes, float scale,
                 float *g_w, float *g_b, float *g_feature);
