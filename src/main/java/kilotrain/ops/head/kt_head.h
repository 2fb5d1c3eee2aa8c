/* ---- classifier heads ---- */
void kt_int8_logits(const int8_t *q, float *logits, int n, float scale, int zero);
/* Int8LogitsGrad: g_q = g_logits * scale */
void kt_int8_logits_grad(const float *g_logits, float scale, float *g_q, int n);
/* feature_out: the dequantized feature (kept for the head's backward pass). */
void kt_head_fwd(const int8_t *q, int features, float scale, int zero, const float *w, const float *b, int classes,
                 float *feature_out, float *logits);
void kt_head_bwd(const float *g, const float *feature, int features, const float *w, int classes, float scale,
                 float *g_w, float *g_b, float *g_feature);
