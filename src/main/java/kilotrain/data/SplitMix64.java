package kilotrain.data;

/**
 * SplitMix64 (Steele, Lea, Flood 2014), written out here rather than taken from {@link java.util.SplittableRandom}
 * so that the bit stream, and with it every augmented image, is fixed by this file and not by a JDK version.
 * Each (seed, epoch, sample) gets its own stream, so the images do not depend on which thread loads them or in
 * which order.
 */
public final class SplitMix64 {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private long state;

    public SplitMix64(long seed) {
        this.state = seed;
    }

    /** The stream of one sample in one epoch; {@code index = -1} is used for the epoch's shuffle. */
    public static SplitMix64 forSample(long seed, int epoch, int index) {
        long s = mix(seed ^ 0x6B696C6F74726169L);
        s = mix(s + GOLDEN * (epoch + 1L));
        s = mix(s ^ (GOLDEN * (index + 2L)));
        return new SplitMix64(s);
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [lo, hi). */
    public double uniform(double lo, double hi) {
        return lo + (hi - lo) * nextDouble();
    }

    /** Uniform integer in [0, bound), without modulo bias (rejection of the incomplete last block). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive: " + bound);
        }
        long limit = Long.MAX_VALUE - (Long.MAX_VALUE % bound);
        long r;
        do {
            r = nextLong() >>> 1;
        } while (r >= limit);
        return (int) (r % bound);
    }

    /** A Fisher-Yates permutation of 0..n-1. */
    public int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
