package kilotrain.search;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import kilotrain.KtException;

/**
 * Test accuracies of one scheme fine-tuned once per seed. One seed's accuracy on a 2,000-image test set carries about
 * a point of noise (head initialisation, sample order, augmentation, stochastic rounding all follow the seed), as
 * large as the differences between good schemes; the mean over seeds, and for two schemes the mean of their paired
 * per-seed differences, are what a comparison should rest on.
 */
public record SeedAccuracies(long[] seeds, double[] accuracies) {
    public SeedAccuracies {
        if (seeds.length == 0 || seeds.length != accuracies.length) {
            throw new IllegalArgumentException("one accuracy per seed, at least one seed");
        }
        seeds = seeds.clone();
        accuracies = accuracies.clone();
    }

    public double mean() {
        return mean(accuracies);
    }

    /** Sample standard deviation over seeds; NaN for a single seed. */
    public double std() {
        return std(accuracies);
    }

    /**
     * Per-seed differences {@code this - other} (the same seed gives both fine-tunes the same head initialisation
     * and sample order, so pairing removes part of the noise).
     */
    public double[] pairedDifferences(SeedAccuracies other) {
        if (!Arrays.equals(seeds, other.seeds)) {
            throw new KtException("paired differences need the same seeds: " + Arrays.toString(seeds) + " against "
                    + Arrays.toString(other.seeds));
        }
        double[] d = new double[seeds.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = accuracies[i] - other.accuracies[i];
        }
        return d;
    }

    /** Standard error of the mean paired difference; NaN for a single seed. */
    public static double standardError(double[] differences) {
        return std(differences) / Math.sqrt(differences.length);
    }

    public static double mean(double[] v) {
        double s = 0;
        for (double a : v) {
            s += a;
        }
        return s / v.length;
    }

    private static double std(double[] v) {
        if (v.length < 2) {
            return Double.NaN;
        }
        double m = mean(v);
        double ss = 0;
        for (double a : v) {
            ss += (a - m) * (a - m);
        }
        return Math.sqrt(ss / (v.length - 1));
    }

    /** "76.65 % (seed 0)" or "76.40 % mean of seeds 0, 1, 2 (76.65 / 76.10 / 76.45, sd 0.28)", in percent. */
    public String describe() {
        if (seeds.length == 1) {
            return String.format(Locale.ROOT, "%.2f %% (seed %d)", 100 * accuracies[0], seeds[0]);
        }
        return String.format(Locale.ROOT, "%.2f %% mean of seeds %s (%s, sd %.2f)", 100 * mean(),
                Arrays.stream(seeds).mapToObj(Long::toString).collect(Collectors.joining(", ")),
                Arrays.stream(accuracies).mapToObj(a -> String.format(Locale.ROOT, "%.2f", 100 * a))
                        .collect(Collectors.joining(" / ")), 100 * std());
    }

    /** Writes {@code verified_accuracy} (the mean) and, over several seeds, the per-seed values and their spread. */
    public void putInto(ObjectNode o) {
        o.put("verified_accuracy", mean());
        if (seeds.length > 1) {
            ArrayNode a = o.putArray("verified_by_seed");
            for (int i = 0; i < seeds.length; i++) {
                ObjectNode n = a.addObject();
                n.put("seed", seeds[i]);
                n.put("accuracy", accuracies[i]);
            }
            o.put("verified_std", std());
        }
    }

    /** JSON of the paired comparison {@code this - other}: per-seed differences, mean and standard error. */
    public ObjectNode comparedWith(SeedAccuracies other) {
        double[] d = pairedDifferences(other);
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ArrayNode a = o.putArray("by_seed");
        for (double v : d) {
            a.add(v);
        }
        o.put("mean", mean(d));
        if (d.length > 1) {
            o.put("standard_error", standardError(d));
        }
        return o;
    }
}
