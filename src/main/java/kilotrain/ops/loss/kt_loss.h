/* ---- loss ---- */
/* Softmax cross-entropy; returns the loss, writes dL/dlogits. NaN when the label is out of range. */
float kt_softmax_ce(const float *logits, int n, int label, float *grad);
/* Mean squared error of n predictions against float targets; returns the loss, writes dL/dpred (MeanSquaredError). */
float kt_mse(const float *pred, const float *target, int n, float *grad);
/* The same against int8 targets dequantized as (float)(t - zero) * scale (int8 regression targets, or the input
 * itself for an autoencoder). */
float kt_mse_q(const float *pred, const int8_t *target, float scale, int zero, int n, float *grad);
/* Binary cross-entropy of one logit against a 0/1 label (BinaryCrossEntropy); NaN for another label. */
float kt_bce(float z, int label, float *grad);
