/* ---- shared: scalar helpers (exported for tests) ---- */
/* The float backward loops' VLDM/VSTM blocks (inline assembly on s0-s15, no DSP instruction in them) need a Thumb-2
 * M-profile core with a single-precision FPU and the hard-float ABI: Cortex-M4 and M7 (ARMv7E-M), M33 and M55
 * (ARMv8-M Mainline). Everything else takes the portable C, which gives the same bits. */
#if defined(__thumb2__) && defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M' && defined(__ARM_FP) && \
    (__ARM_FP & 4) && defined(__ARM_PCS_VFP)
#define KT_VFP_BLOCKS 1
#endif
float kt_rintf(float x);
float kt_floorf(float x);
float kt_expf(float x);
float kt_logf(float x);
int32_t kt_mul_quantized(int32_t x, int32_t mult, int32_t shift);
