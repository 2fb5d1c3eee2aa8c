package kilotrain.ops.update;

/**
 * Quantization-aware scaling: per output channel c, {@code g_W <- g_W / s_W[c]^2} and
 * {@code g_b <- g_b / (s_W[c] * s_x)^2}. The division is done once on the host: each factor is computed in double
 * from the scales as the model wrote them and rounded to float32 ({@code (float)(1.0 / (s*s))}); the training step
 * (Java and generated C alike) then only multiplies, {@code g = g * factor[c]}, one float32 rounding per element.
 */
public final class Qas {
    private Qas() {
    }

    public static float[] weightFactors(double[] weightScales) {
        float[] f = new float[weightScales.length];
        for (int c = 0; c < f.length; c++) {
            double s = weightScales[c];
            f[c] = (float) (1.0 / (s * s));
        }
        return f;
    }

    public static float[] biasFactors(double[] weightScales, double inputScale) {
        float[] f = new float[weightScales.length];
        for (int c = 0; c < f.length; c++) {
            double s = weightScales[c] * inputScale;
            f[c] = (float) (1.0 / (s * s));
        }
        return f;
    }

    /**
     * Scales a weight gradient laid out as rows of rowLen values, row r belonging to output channel
     * {@code rowChannel[r]} (null: row r is channel r; see ConvBackward.weightGradRowChannels).
     */
    public static void scaleRows(float[] g, int off, int rows, int rowLen, int[] rowChannel, float[] factor) {
        for (int r = 0; r < rows; r++) {
            float f = factor[rowChannel == null ? r : rowChannel[r]];
            int o = off + r * rowLen;
            for (int j = 0; j < rowLen; j++) {
                g[o + j] = g[o + j] * f;
            }
        }
    }

    /** Scales a bias gradient of n channels. */
    public static void scale(float[] g, int off, int n, float[] factor) {
        for (int c = 0; c < n; c++) {
            g[off + c] = g[off + c] * factor[c];
        }
    }
}
