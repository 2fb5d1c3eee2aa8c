package kilotrain.ops.core;

/**
 * A trainable parameter of the program: its value in SRAM ({@code value}) and the per-sample gradient the step
 * writes ({@code grad}, transient). The value is laid out as {@code rows} rows of {@code rowLength} elements; row r
 * belongs to output channel {@code rowChannel[r]} and its gradient is multiplied by {@code qas[r]} when QAS is on
 * ({@code 1 / s_W^2} for weights, {@code 1 / (s_W s_x)^2} for biases; the float head has no QAS: null).
 */
public final class Param {
    public enum Role { CONV_WEIGHT, CONV_BIAS, HEAD_WEIGHT, HEAD_BIAS }

    public final String name;
    public final Role role;
    public final TrainedConv conv;
    public final Buf value;
    public final Buf grad;
    /** QAS factor per row, or null (float head). */
    public final float[] qas;
    /** Output channel of each row, or null (float head). */
    public final int[] rowChannel;
    public final int rowLength;
    /** Initial value: byte[] (int8 weight slice), int[] (int32 bias) or float[] (float head). */
    public final Object initial;

    public Param(String name, Role role, TrainedConv conv, Buf value, Buf grad, float[] qas, int[] rowChannel,
            int rowLength, Object initial) {
        this.name = name;
        this.role = role;
        this.conv = conv;
        this.value = value;
        this.grad = grad;
        this.qas = qas;
        this.rowChannel = rowChannel;
        this.rowLength = rowLength;
        this.initial = initial;
    }

    public boolean isFloat() {
        return role == Role.HEAD_WEIGHT || role == Role.HEAD_BIAS;
    }
}
