/* ---- MEAN over adjacent axes: the input as [batch, pixels, c] (before, inside, after the reduced axes) ---- */
typedef struct {
    int batch, pixels, c;
    int same;            /* input and output quantized alike: sum / count, truncating */
    int32_t mult, shift; /* otherwise QuantizedMeanOrSum's multiplier with 1/count folded in */
    int z_in, z_out;
    float k;             /* gradient factor (float)(s_in / (s_out * count)) */
} kt_mean;
/* y[n, c]; mask (requantized form, may be NULL): 1 where the result lies in [-128, 127] before saturation */
void kt_mean_fwd(const kt_mean *m, const int8_t *x, int8_t *y, uint8_t *mask, int32_t *sum);
/* gx[n, p, c] = (mask == NULL || mask[n, c]) ? gy[n, c] * k : 0, or gx + that when acc */
void kt_mean_grad(const kt_mean *m, const float *gy, const uint8_t *mask, float *gx, int acc);
