/* ---- loss ---- */
/* Softmax cross-entropy; returns the loss, writes dL/dlogits. NaN when the label is out of range. */
float kt_softmax_ce(const float *logits, int n, int label, float *grad);
/* Mean squared error of n predictions against float targets; returns the loss, writes dL/dpred (MeanSquaredError). */
float kt_mse(const float *pred, const float *target, int n, float *grad);
