/* ---- dequantize: int8 -> float32 (a float-interface model's DEQUANTIZE, the int8 head's logits) ---- */
/* y[i] = (float)(q[i] - zero) * scale: TFLite's (float)(scale * (q - zero)) with the scale in double, the same bits. */
void kt_dequantize(const int8_t *q, float *y, int n, float scale, int zero);
/* DequantizeBwd: g_q = g_y * scale */
void kt_dequantize_grad(const float *g_y, float scale, float *g_q, int n);
