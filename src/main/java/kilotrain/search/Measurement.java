package kilotrain.search;

import java.util.Locale;
import java.util.Map;
import kilotrain.compiler.Scheme;

/**
 * One fine-tuning run of the contribution analysis: the classifier alone, the biases of the last k convs, or the
 * weights of one conv at one channel ratio on top of the bias-only baseline {@code biasK}.
 */
public record Measurement(Kind kind, int biasK, int conv, double ratio) {
    public enum Kind { BASELINE, BIAS, WEIGHT }

    public static Measurement baseline() {
        return new Measurement(Kind.BASELINE, 0, -1, 0);
    }

    public static Measurement bias(int k) {
        return new Measurement(Kind.BIAS, k, -1, 0);
    }

    public static Measurement weight(int biasK, int conv, double ratio) {
        return new Measurement(Kind.WEIGHT, biasK, conv, ratio);
    }

    /** Stable name, also the cache file's stem. */
    public String id() {
        return switch (kind) {
            case BASELINE -> "classifier-only";
            case BIAS -> "bias-only-" + biasK;
            case WEIGHT -> String.format(Locale.ROOT, "weight-k%d-conv%d-r%s", biasK, conv, ratioText(ratio));
        };
    }

    public Scheme scheme() {
        return switch (kind) {
            case BASELINE -> Scheme.classifierOnly();
            case BIAS -> Scheme.biasOnly(biasK);
            case WEIGHT -> new Scheme(id(), biasK, Map.of(conv, ratio), false);
        };
    }

    /** 1/8, 1/4, 1/2, 1 as the paper writes them; other ratios as decimals. */
    public static String ratioText(double r) {
        for (int d = 1; d <= 64; d *= 2) {
            if (Math.abs(r * d - Math.rint(r * d)) < 1e-9 && Math.rint(r * d) == 1) {
                return d == 1 ? "1" : "1/" + d;
            }
        }
        return String.format(Locale.ROOT, "%.4g", r);
    }

    public static String fileSafe(String id) {
        return id.replace('/', '_');
    }
}
