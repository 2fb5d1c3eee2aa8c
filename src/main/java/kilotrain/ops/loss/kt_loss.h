/* ---- loss ---- */
/* Softmax cross-entropy; returns the loss, writes dL/dlogits. NaN when the label is out of range. */
float kt_softmax_ce(const float *logits, int n, int label, float *grad);
