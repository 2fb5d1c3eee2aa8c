/* ---- MUL, SUB, broadcasting ADD ---- */
/* kind 0 ADD, 1 SUB, 2 MUL; shapes right-aligned in 6 axes, operand strides 0 along broadcast axes. ADD and SUB:
 * TFLite's fixed point (mult_a/shift_a, mult_b/shift_b, then mult/shift); MUL: mult/shift of s_a s_b / s_y.
 * Backward ratios ra, rb (MUL: r in both). bcast_x: the operand's shape is not the output's. */
typedef struct {
    int kind, n, na, nb, bcast_a, bcast_b;
    int shape[6], sa[6], sb[6];
    int za, zb, zy, act_min, act_max;
    int32_t mult, shift, mult_a, shift_a, mult_b, shift_b;
    float ra, rb;
} kt_binary;
void kt_binary_fwd(const kt_binary *p, const int8_t *a, const int8_t *b, int8_t *y, uint8_t *mask);
void kt_binary_bwd(const kt_binary *p, const float *g_y, const uint8_t *mask, const int8_t *a, const int8_t *b,
                   float *g_a, int acc_a, float *g_b, int acc_b, float *scratch);
