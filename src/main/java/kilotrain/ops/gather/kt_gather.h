/* ---- data movement as a separable gather (PAD, TRANSPOSE, STRIDED_SLICE, RESIZE_NEAREST_NEIGHBOR) ---- */
#define KT_GATHER_MAX 6
typedef struct {
    int rank;                 /* 1..KT_GATHER_MAX */
    int dims[KT_GATHER_MAX];  /* output walk, row-major */
    const int32_t *off;       /* dims[0] offsets of dimension 0, then dimension 1, ...; negative: fill */
    int8_t fill;
    int in;                   /* input elements */
} kt_gather;
/* y[i] = x[sum_d off_d[i_d]], or fill when an offset is negative */
void kt_gather_i8(const kt_gather *g, const int8_t *x, int8_t *y);
/* gx[src(i)] += gy[i], i ascending, into gx cleared to +0 unless acc */
void kt_gather_grad(const kt_gather *g, const float *gy, float *gx, int acc);
