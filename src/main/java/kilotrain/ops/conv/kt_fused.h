/*
 * kilotrain fused forward kernels: operator pairs run together so that the tensor between them never exists.
 * Same bit-exact contract as kt_kernels.h (integer sums exact, the convs' own output stages).
 */
#ifndef KT_FUSED_H
#define KT_FUSED_H

#include "kt_kernels.h"

/*
 * An ungrouped conv p (typically a 1x1 expansion; any kernel, stride, padding) followed by the depthwise conv d
 * (channel multiplier 1) that alone reads p's output E, one E channel at a time (Java: ConvDwFused): channel c of E
 * goes into plane (kt_conv_dw_plane_bytes(d) bytes: E's rows and columns framed by d's padding, the frame at E's zero
 * point), then d's output channel c from the plane into y (NHWC). Frozen convs only: weights and biases are the
 * const tensors of both convs (biases nullable).
 */
void kt_conv_dw_fwd(const kt_conv *p, const int8_t *p_w, const int32_t *p_b, const kt_conv *d, const int8_t *d_w,
                    const int32_t *d_b, const int8_t *x, int8_t *plane, int8_t *y);

/*
 * A frozen depthwise conv d (channel multiplier 1) whose output y may start where its input x starts (Java:
 * ConvDwInPlace): one channel at a time, x's channel goes into plane (kt_conv_dw_plane_bytes(d) bytes, framed at the
 * input's zero point), then y's channel from the plane; y's channel c only overwrites x's channel c. Weights and bias
 * are the conv's const tensors (bias nullable).
 */
void kt_conv_dw_inplace(const kt_conv *d, const int8_t *d_w, const int32_t *d_b, const int8_t *x, int8_t *plane,
                        int8_t *y);

/* Rows, columns and bytes of the padded plane of depthwise conv d. */
int kt_conv_dw_plane_h(const kt_conv *d);
int kt_conv_dw_plane_w(const kt_conv *d);
int kt_conv_dw_plane_bytes(const kt_conv *d);

#endif
