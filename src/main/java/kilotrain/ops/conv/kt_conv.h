/* ---- convolutions ---- */
/* Geometry and output stage of one convolution (NHWC activations, OHWI weights [cout, kh, kw, cin/groups]). */
typedef struct {
    int in_h, in_w, cin, out_h, out_w, cout, kh, kw, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left, groups;
    int x_zero, y_zero, act_min, act_max;
    /* Output stage: float_rint != 0: clamp(rint(float(acc) * eff[c]) + y_zero), with acc first clamped to
     * [-limit[c], limit[c]] (keeps |acc * eff| <= 2^22, where the output saturates anyway); otherwise TFLite's
     * MultiplyByQuantizedMultiplier(acc, mult[c], shift[c]) + y_zero. Arrays hold one value per output channel. */
    int float_rint;
    const float *eff;
    const int32_t *limit;
    const int32_t *mult;
    const int32_t *shift;
    /* The float32 scale the backward pass multiplies by, one per output channel. */
    const float *grad_eff;
    /* 1 when no accumulator can pass limit[c] (frozen weights and bias, |x - x_zero| <= 255): the clamp is skipped. */
    int acc_bounded;
} kt_conv;

/*
 * The trained weights of a conv, kept in SRAM apart from the frozen rest (flash). Layout as the weight gradient:
 * dense [cout][kh][kw][nk] over the kept input channels; depthwise [nk * mult][kh * kw], row kk*mult+m being output
 * channel kept[kk]*mult+m; other grouped convs: the whole OHWI tensor. The flash tensor holds zeros where the slice
 * has its values (integer sums do not care), or is NULL when the slice is the whole tensor.
 */
typedef struct {
    int nk;
    const int32_t *kept;  /* kept input channels ascending; NULL: all */
    const int32_t *slot;  /* depthwise: position of each input channel in kept, -1 when frozen; NULL: all */
    int8_t *w;
} kt_slice;
/* mask (nullable): one bit per output element, LSB first, 1 where the output before the clamp was in range. */
/*
 * w: the OHWI weights (flash); s (nullable): the trained slice in SRAM, see kt_slice; scratch: 2*k4 int16 values
 * (k4: kh*kw*cin rounded up to a multiple of four), plus 2*kh*kw*nk for an ungrouped conv with a partial slice; acc:
 * max(2*cout, 4*out_w) int32 values (either NULL: reference path). Fast paths: ungrouped convs as int16 dot products
 * of widened patches, two pixels and two channels per pass (SMLAD on DSP cores), the accumulators straight through
 * the output stage; depthwise four channels per pass on DSP cores (zero point folded into the bias on interior
 * pixels; small maps copied with their padding into acc so that every pixel is interior), else one channel at a time
 * with unrolled taps.
 */
void kt_conv_fwd(const kt_conv *p, const int8_t *x, const int8_t *w, const kt_slice *s, const int32_t *bias, int8_t *y,
                 uint8_t *mask, int16_t *scratch, int32_t *acc);
#if defined(__ARM_FEATURE_MVE)
/* Helium paths (kt_conv_mve.c): pointwise forward with whole weights; 0 when the shape is not theirs. */
int kt_conv_fwd_mve(const kt_conv *p, const int8_t *x, const int8_t *w, const kt_slice *s, const int32_t *bias,
                    int8_t *y, uint8_t *mask, int32_t *acc);
#endif
/* The portable reference path the fast paths are tested against. */
void kt_conv_fwd_ref(const kt_conv *p, const int8_t *x, const int8_t *w, const kt_slice *s, const int32_t *bias,
                     int8_t *y, uint8_t *mask);
void kt_save_channels(const int8_t *x, int channels, const int32_t *kept, int nk, int pixels, int8_t *saved);
void kt_conv_out_grad(const kt_conv *p, const float *g_y, const uint8_t *mask, float *g_acc);
void kt_conv_bias_grad(const kt_conv *p, const float *g_acc, float *g_b);
/* saved: the input holding only the kept channels (kept NULL: all), g_w in the program's slice layout. */
void kt_conv_weight_grad(const kt_conv *p, const int8_t *saved, const int32_t *kept, int nk, const float *g_acc,
                         float *g_w);
/* row: scratch of max(cin, 768) floats (also holds a depthwise conv's weights of four channels as floats). */
void kt_conv_input_grad(const kt_conv *p, const int8_t *w, const kt_slice *s, const float *g_acc, float *g_x,
                        int accumulate, float *row);
/*
 * kt_conv_input_grad (not accumulating) with g_x allowed to start where g_acc starts (kt_conv_inplace.c; Java:
 * ConvInputGradInPlace), the same bits. Depthwise (multiplier 1): group channels at a time, scratch of
 * group * (out_h*out_w + in_h*in_w) floats; 1x1 stride 1: group pixels at a time, scratch of group * cin floats.
 */
void kt_conv_input_grad_inplace(const kt_conv *p, const int8_t *w, const kt_slice *s, const float *g_acc,
                                float *g_x, float *scratch, int group, float *row);
