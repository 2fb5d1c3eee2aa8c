/*
 * Fused conv weight gradient + update (Instr.ConvWeightUpdate): the weight gradient is computed a few rows (output
 * channels) at a time and applied at once, so a whole float32 weight gradient never exists on the device.
 */
#ifndef KT_ROWS_H
#define KT_ROWS_H

#include "kt_kernels.h"

/*
 * Rows [row0, row0 + rows) of kt_conv_weight_grad's result into out (overwritten), each element summed over the
 * output pixels in raster order from +0.0f with zero g_acc terms skipped (WeightGradRows.java): the same bits as the
 * whole-tensor kernel. saved holds the kept input channels only (all channels for grouped convs).
 */
void kt_conv_weight_grad_rows(const kt_conv *p, const int8_t *saved, const int32_t *kept, int nk, const float *g_acc,
                              int row0, int rows, float *out);

#endif
