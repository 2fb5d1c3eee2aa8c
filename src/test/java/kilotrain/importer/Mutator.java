package kilotrain.importer;

import java.util.Arrays;
import java.util.Random;

/**
 * Deterministic damage to a model file. Random flips mostly land in weight bytes, which importers accept as
 * they are, so half the edits aim at "structural" words instead: 4-byte-aligned values that look like offsets,
 * lengths or counts (anything in [1, file length)), which is where parsers trust the file.
 */
final class Mutator {
    private static final int[] ABSURD = {0x7fffffff, 0x80000000, -1, -4, 0, 1, 0xffff, 0x10000, 0x40000000, -0x10000};

    private final byte[] original;
    private final int[] structural;

    Mutator(byte[] original) {
        this.original = original;
        int n = 0;
        int[] found = new int[original.length / 4];
        for (int p = 0; p + 4 <= original.length; p += 4) {
            int v = word(original, p);
            if (v > 0 && v < original.length) {
                found[n++] = p;
            }
        }
        this.structural = Arrays.copyOf(found, n);
    }

    /** A mutant and what was done to it, so a failure can be reproduced from the message alone. */
    record Mutant(byte[] bytes, String description) {
    }

    Mutant mutant(long seed) {
        Random r = new Random(seed);
        byte[] b = original.clone();
        StringBuilder what = new StringBuilder();
        int edits = r.nextInt(5) == 0 ? 2 + r.nextInt(3) : 1;
        for (int e = 0; e < edits; e++) {
            switch (r.nextInt(4)) {
                case 0 -> {
                    if (b.length == 0) {
                        continue;
                    }
                    int cut = r.nextBoolean() ? r.nextInt(b.length) : r.nextInt(Math.min(b.length, 512));
                    b = Arrays.copyOf(b, cut);
                    what.append("truncate to ").append(cut).append("; ");
                }
                case 1 -> {
                    int flips = 1 + r.nextInt(8);
                    for (int i = 0; i < flips && b.length > 0; i++) {
                        int p = position(r, b.length, 1);
                        b[p] = (byte) r.nextInt(256);
                        what.append("byte ").append(p).append("=").append(b[p] & 0xff).append("; ");
                    }
                }
                case 2 -> {
                    int p = position(r, b.length, 4);
                    if (p >= 0) {
                        int v = r.nextInt(3) == 0 ? r.nextInt() : ABSURD[r.nextInt(ABSURD.length)];
                        putWord(b, p, v);
                        what.append("word ").append(p).append("=").append(v).append("; ");
                    }
                }
                default -> {
                    int p = position(r, b.length, 4);
                    if (p >= 0) {
                        int v = r.nextInt(Math.max(1, b.length + 16)) - 8;
                        putWord(b, p, v);
                        what.append("offset ").append(p).append("=").append(v).append("; ");
                    }
                }
            }
        }
        return new Mutant(b, what.toString());
    }

    /** A position for a {@code width}-byte edit: half the time a structural word, otherwise anywhere. */
    private int position(Random r, int length, int width) {
        if (length < width) {
            return -1;
        }
        if (structural.length > 0 && r.nextBoolean()) {
            int p = structural[r.nextInt(structural.length)] + (width == 1 ? r.nextInt(4) : 0);
            if (p + width <= length) {
                return p;
            }
        }
        return r.nextInt(length - width + 1);
    }

    static int word(byte[] b, int p) {
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16 | (b[p + 3] & 0xff) << 24;
    }

    static void putWord(byte[] b, int p, int v) {
        b[p] = (byte) v;
        b[p + 1] = (byte) (v >> 8);
        b[p + 2] = (byte) (v >> 16);
        b[p + 3] = (byte) (v >> 24);
    }
}
