package kilotrain.program;

/**
 * A trainable parameter of the program: its value in SRAM ({@code value}), the per-sample gradient the step
 * writes ({@code grad}, transient) and the per-channel QAS factor that turns a gradient of the quantized value into
 * the gradient SGD should follow ({@code 1 / s_W^2} for weights, {@code 1 / (s_W s_x)^2} for biases, 1 for the float
 * head). {@code channelOf(i)} maps an element of the slice to its output channel.
 */
public final class Param {
    public enum Role { CONV_WEIGHT, CONV_BIAS, HEAD_WEIGHT, HEAD_BIAS }

    public final String name;
    public final Role role;
    public final TrainedConv conv;
    public final Buf value;
    public final Buf grad;
    /** One factor per output channel (conv params) or a single 1 (head). */
    public final float[] qasPerChannel;
    /** Elements per output channel in the slice's layout (kept * kh * kw for conv weights, 1 for biases). */
    public final int elementsPerChannel;
    /** Initial value: byte[] (int8 weight slice), int[] (int32 bias) or float[] (float head). */
    public final Object initial;

    public Param(String name, Role role, TrainedConv conv, Buf value, Buf grad, float[] qasPerChannel,
            int elementsPerChannel, Object initial) {
        this.name = name;
        this.role = role;
        this.conv = conv;
        this.value = value;
        this.grad = grad;
        this.qasPerChannel = qasPerChannel;
        this.elementsPerChannel = elementsPerChannel;
        this.initial = initial;
    }

    public boolean isFloat() {
        return role == Role.HEAD_WEIGHT || role == Role.HEAD_BIAS;
    }
}
