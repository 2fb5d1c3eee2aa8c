package kilotrain.compiler;

/**
 * Quantization-aware scaling (QAS). In the int8 graph the gradient of a quantized weight is {@code s_W} times the
 * real gradient while the weight is {@code 1/s_W} times the real weight, so their ratio is off by {@code 1/s_W^2};
 * QAS multiplies weight gradients by {@code 1/s_W^2} and bias gradients by {@code 1/(s_W s_x)^2}, per output channel,
 * which makes an SGD step on the quantized values equal to one on the real values. The factors are computed once in
 * double and rounded to float32, and applied as a float32 multiply, here and in the generated C.
 */
public final class Qas {
    private Qas() {
    }

    public static float weightFactor(float weightScale) {
        double s = weightScale;
        return (float) (1.0 / (s * s));
    }

    public static float biasFactor(float weightScale, double inputScale) {
        double s = weightScale * inputScale;
        return (float) (1.0 / (s * s));
    }
}
