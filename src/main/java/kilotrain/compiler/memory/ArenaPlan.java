package kilotrain.compiler.memory;

import java.util.List;
import kilotrain.ops.core.Buf;

/**
 * Offsets of every arena block: {@code offset[b]} is block b's first byte. {@code arenaBytes} is the planned peak;
 * {@code lowerBound} the largest sum of block sizes live at one instruction, which no placement can beat.
 */
public record ArenaPlan(String strategy, List<Block> blocks, int[] offset, long arenaBytes, long lowerBound,
        int lowerBoundStep) {

    /** Offset of a buffer, or -1 when it is not in the arena. */
    public int offsetOf(Buf b) {
        for (Block k : blocks) {
            if (k.members().contains(b)) {
                return offset[k.index()];
            }
        }
        return -1;
    }

    /** The first pair of blocks live at the same time whose bytes overlap, or null when the plan is valid. */
    public String conflict() {
        for (Block a : blocks) {
            if (offset[a.index()] % a.align() != 0 || offset[a.index()] < 0
                    || offset[a.index()] + (long) a.bytes() > arenaBytes) {
                return a.name() + " misplaced at " + offset[a.index()];
            }
            for (Block b : blocks) {
                if (a.index() < b.index() && a.overlaps(b)) {
                    int to = Math.min(a.end(), b.end());
                    if (a.sizes() == null && b.sizes() == null) {
                        to = Math.max(a.start(), b.start()); // one size throughout: one instruction decides
                    }
                    for (int i = Math.max(a.start(), b.start()); i <= to; i++) {
                        long a0 = offset[a.index()], a1 = a0 + a.bytesAt(i), b0 = offset[b.index()];
                        long b1 = b0 + b.bytesAt(i);
                        if (a0 < b1 && b0 < a1) {
                            return a.name() + " [" + a0 + "," + a1 + ") and " + b.name() + " [" + b0 + "," + b1
                                    + ") at instruction " + i;
                        }
                    }
                }
            }
        }
        return null;
    }
}
