/* ---- shared: scalar helpers (exported for tests) ---- */
/* The float backward loops' VLDM/VSTM blocks (inline assembly on s0-s15, no DSP instruction in them) need a Thumb-2
 * M-profile core with a single-precision FPU and the hard-float ABI: Cortex-M4 and M7 (ARMv7E-M), M33 and M55
 * (ARMv8-M Mainline). Everything else takes the portable C, which gives the same bits. */
/* Head and end of a Thumb function written as a top-level asm statement, in its own section (--gc-sections). */
#define KT_ASM_FUNC(name)                                                                                            \
    ".section .text." name ",\"ax\",%progbits\n\t.p2align 2\n\t.global " name "\n\t.syntax unified\n\t.thumb\n\t"   \
    ".thumb_func\n\t.type " name ", %function\n" name ":\n\t"
#define KT_ASM_END(name) ".size " name ", .-" name "\n\t.text"
#if defined(__thumb2__) && defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M' && defined(__ARM_FP) && \
    (__ARM_FP & 4) && defined(__ARM_PCS_VFP)
#define KT_VFP_BLOCKS 1
#endif
float kt_rintf(float x);
float kt_floorf(float x);
float kt_expf(float x);
float kt_logf(float x);
int32_t kt_mul_quantized(int32_t x, int32_t mult, int32_t shift);
/* TFLite's ADD/SUB input rescale (ops/add/Rescale): ((q - z) << 20), times the fixed-point multiplier, shifted. */
int32_t kt_rescale_input(int8_t q, int32_t z, int32_t mult, int32_t shift);
/* y[i] = v clamped to [lo, hi]; with a mask, bit i set when v passed unclamped (the mask starts cleared). */
static inline void kt_store_clamped(int32_t v, int32_t lo, int32_t hi, int8_t *y, uint8_t *mask, int i) {
    y[i] = (int8_t)(v < lo ? lo : (v > hi ? hi : v));
    if (mask != NULL && v >= lo && v <= hi) {
        mask[i >> 3] |= (uint8_t)(1u << (i & 7));
    }
}

/* ---- shared: the float output stage (static inline: every kernel file inlines it) ----
 * kt_rq_rint: rint(float(acc) * eff), round half to even, saturated to int32. The same bits as the stage's
 * accumulator clamp to +-floor(2^22 / |eff|) followed by the magic-number rounding wherever that limit is at least 1
 * (|eff| <= 2^22): inside the limit both round the same product, beyond it both saturate any int8 output. On cores
 * with a single-precision FPU one VCVTR (the default round-to-nearest-even mode every float kernel relies on). */
static inline int32_t kt_rq_rint(int32_t acc, float eff) {
#if defined(__ARM_FP) && (__ARM_FP & 4)
    float f = (float)acc * eff, r;
    int32_t q;
    __asm__("vcvtr.s32.f32 %0, %1" : "=t"(r) : "t"(f));
    __builtin_memcpy(&q, &r, 4);
    return q;
#else
    const float r = kt_rintf((float)acc * eff);
    if (!(r < 2147483648.0f)) {
        return r != r ? 0 : INT32_MAX;
    }
    return r < -2147483648.0f ? INT32_MIN : (int32_t)r;
#endif
}

/* a + b saturated to int32 (QADD). */
static inline int32_t kt_qadd(int32_t a, int32_t b) {
#if defined(__ARM_FEATURE_DSP)
    int32_t r;
    __asm__("qadd %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
#else
    const int64_t s = (int64_t)a + b;
    return s > INT32_MAX ? INT32_MAX : (s < INT32_MIN ? INT32_MIN : (int32_t)s);
#endif
}

/* v clamped to the int8 range (one SSAT; an int32 so that no sign extension follows before a byte store). */
static inline int32_t kt_sat8(int32_t v) {
#if defined(__ARM_FEATURE_SAT)
    int32_t r;
    __asm__("ssat %0, #8, %1" : "=r"(r) : "r"(v));
    return r;
#else
    return v < -128 ? -128 : (v > 127 ? 127 : v);
#endif
}

/* ---- shared: the conv window walk ----
 * The taps (ky, kx) of the window whose first input position is (iy0, ix0) that lie inside the input of conv p, with
 * their input row and column (iy, ix), raster order: KT_WINDOW(p, iy0, ix0, ky, kx, iy, ix) { body } ("continue" in
 * the body goes to the next tap). */
#define KT_WINDOW(p, iy0, ix0, ky, kx, iy, ix)                                                                       \
    for (int ky = 0, iy = (iy0); ky < (p)->kh; ky++, iy += (p)->dil_h)                                               \
        if (iy >= 0 && iy < (p)->in_h)                                                                               \
            for (int kx = 0, ix = (ix0); kx < (p)->kw; kx++, ix += (p)->dil_w)                                       \
                if (ix >= 0 && ix < (p)->in_w)

/* The output pixels (oy, ox) whose window reaches input position (iy, ix) of conv p, with the tap (ky, kx) that does,
 * in raster order of the output pixels (ky and kx descending): KT_REACH(p, iy, ix, ky, kx, oy, ox) { body }
 * ("continue" in the body goes to the next one). */
#define KT_REACH(p, iy, ix, ky, kx, oy, ox)                                                                          \
    for (int ky = (p)->kh - 1; ky >= 0; ky--)                                                                        \
        for (int ny_ = (iy) + (p)->pad_top - ky * (p)->dil_h, oy = ny_ / (p)->stride_h, y1_ = 1; y1_; y1_ = 0)     \
            if (ny_ >= 0 && oy * (p)->stride_h == ny_ && oy < (p)->out_h)                                            \
                for (int kx = (p)->kw - 1; kx >= 0; kx--)                                                            \
                    for (int nx_ = (ix) + (p)->pad_left - kx * (p)->dil_w, ox = nx_ / (p)->stride_w, x1_ = 1; x1_;   \
                         x1_ = 0)                                                                                    \
                        if (nx_ >= 0 && ox * (p)->stride_w == nx_ && ox < (p)->out_w)
