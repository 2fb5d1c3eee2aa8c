/*
 * kilotrain C kernels: forward, backward and update operations of a compiled training step.
 *
 * Bit-exact contract with the Java host runtime (docs/backward.md): float32 only, one rounding per operation in the
 * order written (compile with -ffp-contract=off, never -ffast-math), every float sum sequential from +0.0f in the
 * order the Java kernels state. Integer accumulations are exact, so their order is free. C99, no heap, no libm.
 */
#ifndef KT_KERNELS_H
#define KT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

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

/* Residual add: float_rint != 0 is the paper's float32 formula, otherwise TFLite's fixed-point ADD. */
typedef struct {
    int n, za, zb, zy, act_min, act_max, float_rint;
    float sa, sb, sy;
    int32_t mult_a, shift_a, mult_b, shift_b, mult_out, shift_out;
    /* backward ratios (float)(s_in / s_out) */
    float ra, rb;
} kt_add;

typedef struct {
    int in_h, in_w, c, out_h, out_w, fh, fw, stride_h, stride_w, pad_top, pad_left, float_rint, act_min, act_max;
} kt_pool;

typedef struct {
    int in, out, x_zero, y_zero, act_min, act_max, float_rint;
    const float *eff;
    const int32_t *limit;
    const int32_t *mult;
    const int32_t *shift;
} kt_fc;

/* ---- scalar helpers (exported for tests) ---- */
float kt_rintf(float x);
float kt_floorf(float x);
float kt_expf(float x);
float kt_logf(float x);
int32_t kt_mul_quantized(int32_t x, int32_t mult, int32_t shift);

/* ---- forward ---- */
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
/* The portable reference path the fast paths are tested against. */
void kt_conv_fwd_ref(const kt_conv *p, const int8_t *x, const int8_t *w, const kt_slice *s, const int32_t *bias,
                     int8_t *y, uint8_t *mask);
void kt_fc_fwd(const kt_fc *p, const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y);
void kt_add_fwd(const kt_add *p, const int8_t *a, const int8_t *b, int8_t *y, uint8_t *mask);
void kt_pool_fwd(const kt_pool *p, const int8_t *x, int8_t *y);
void kt_copy_i8(const int8_t *x, int8_t *y, int n);
void kt_save_channels(const int8_t *x, int channels, const int32_t *kept, int nk, int pixels, int8_t *saved);
void kt_int8_logits(const int8_t *q, float *logits, int n, float scale, int zero);
/* Int8LogitsGrad: g_q = g_logits * scale */
void kt_int8_logits_grad(const float *g_logits, float scale, float *g_q, int n);
/* feature_out: the dequantized feature (kept for the head's backward pass). */
void kt_head_fwd(const int8_t *q, int features, float scale, int zero, const float *w, const float *b, int classes,
                 float *feature_out, float *logits);

/* ---- loss ---- */
/* Softmax cross-entropy; returns the loss, writes dL/dlogits. NaN when the label is out of range. */
float kt_softmax_ce(const float *logits, int n, int label, float *grad);

/* ---- backward ---- */
void kt_head_bwd(const float *g, const float *feature, int features, const float *w, int classes, float scale,
                 float *g_w, float *g_b, float *g_feature);
/* accumulate != 0: g_x += the new gradient (formed as a fresh sum first, as the Java twin does). */
void kt_pool_bwd(const kt_pool *p, const float *g_y, float *g_x, int accumulate);
void kt_add_bwd(const kt_add *p, const float *g_y, const uint8_t *mask, float *g_a, int acc_a, float *g_b,
                int acc_b);
void kt_copy_f32(const float *x, float *y, int n);
/* dst[i] = dst[i] + src[i] */
void kt_add_into(float *dst, const float *src, int n);
void kt_conv_out_grad(const kt_conv *p, const float *g_y, const uint8_t *mask, float *g_acc);
void kt_conv_bias_grad(const kt_conv *p, const float *g_acc, float *g_b);
/* saved: the input holding only the kept channels (kept NULL: all), g_w in the program's slice layout. */
void kt_conv_weight_grad(const kt_conv *p, const int8_t *saved, const int32_t *kept, int nk, const float *g_acc,
                         float *g_w);
/* row: scratch of max(cin, 768) floats (also holds a depthwise conv's weights of four channels as floats). */
void kt_conv_input_grad(const kt_conv *p, const int8_t *w, const kt_slice *s, const float *g_acc, float *g_x,
                        int accumulate, float *row);

/* ---- update ---- */
/* g becomes the step: g = (0 + g) * inv_b; g *= qas[row] (qas nullable); SGD (velocity nullable: no momentum). */
void kt_sgd_step(float *g, int n, float inv_b, const float *qas, int row_len, float *velocity, float momentum,
                 float lr);
enum { KT_W_DEVICE_TRUNCATE = 0, KT_W_NEAREST_EVEN = 1, KT_W_STOCHASTIC = 2, KT_W_FLOAT_SHADOW = 3 };
enum { KT_B_NEAREST_EVEN = 0, KT_B_FLOAT_SHADOW = 1 };
/* Weight slice element i lives at w[index[i]]; rng: xorshift32 state (STOCHASTIC); shadow: master copy; every step
 * first limited to [-max_step, max_step] (FLT_MAX: no limit). */
void kt_update_i8(int rule, int8_t *w, const int32_t *index, int n, const float *d, uint32_t *rng, float *shadow,
                  float max_step);
void kt_update_i32(int rule, int32_t *b, int n, const float *d, float *shadow);
void kt_update_f32(float *v, int n, const float *d);
uint32_t kt_xorshift32(uint32_t *state);

#endif
