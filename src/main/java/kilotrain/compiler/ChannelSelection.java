package kilotrain.compiler;

import java.util.Arrays;
import kilotrain.ir.Conv2D;

/**
 * Picks the channels a partial-channel update trains: the largest L2 weight norms first (ties to the lower index),
 * returned ascending. The reference's device code takes the first k channels instead, which disagrees with its own
 * simulation; here the same list drives the host twin and the generated C.
 */
public final class ChannelSelection {
    private ChannelSelection() {
    }

    /** Number of selectable channels: input channels per group, or channels for depthwise convs. */
    public static int selectable(Conv2D conv) {
        return conv.isDepthwise() ? conv.input.channels() : conv.input.channels() / conv.groups;
    }

    public static int count(Conv2D conv, double ratio) {
        int n = selectable(conv);
        return Math.max(1, Math.min(n, (int) Math.round(ratio * n)));
    }

    public static int[] keep(Conv2D conv, double ratio) {
        int n = selectable(conv);
        int k = count(conv, ratio);
        long[] norms = new long[n];
        byte[] w = conv.weight.int8Data;
        int cout = conv.output.channels(), khw = conv.kernelH() * conv.kernelW(), wi = conv.weight.dim(3);
        if (conv.isDepthwise()) {
            int mult = cout / n;
            for (int o = 0; o < cout; o++) {
                for (int j = 0; j < khw * wi; j++) {
                    int v = w[o * khw * wi + j];
                    norms[o / mult] += (long) v * v;
                }
            }
        } else {
            for (int o = 0; o < cout; o++) {
                for (int j = 0; j < khw; j++) {
                    for (int i = 0; i < wi; i++) {
                        int v = w[(o * khw + j) * wi + i];
                        norms[i] += (long) v * v;
                    }
                }
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> norms[a] != norms[b] ? Long.compare(norms[b], norms[a]) : Integer.compare(a, b));
        int[] kept = new int[k];
        for (int i = 0; i < k; i++) {
            kept[i] = order[i];
        }
        Arrays.sort(kept);
        return kept;
    }
}
