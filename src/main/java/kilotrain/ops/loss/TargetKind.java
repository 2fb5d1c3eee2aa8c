package kilotrain.ops.loss;

/**
 * What a mean-squared-error step compares the predictions with, and so what the device's {@code kt_train_step}
 * takes as its target:
 * <ul>
 *   <li>{@code FLOAT}: the sample's float targets ({@code const float *target}, KT_CLASSES values);</li>
 *   <li>{@code INT8}: the sample's int8 targets in the model output's quantization, dequantized as
 *       {@code (float) (t - zero) * scale} ({@code const int8_t *target});</li>
 *   <li>{@code INPUT}: the input itself, dequantized with the input's scale and zero point (an autoencoder;
 *       {@code const int8_t *target}, the caller passes the input again).</li>
 * </ul>
 */
public enum TargetKind {
    FLOAT, INT8, INPUT;

    /** The C type of the target argument of {@code kt_train_step}. */
    public String cType() {
        return this == FLOAT ? "const float *" : "const int8_t *";
    }
}
