package kilotrain.compiler.memory;

import java.util.List;
import kilotrain.ops.core.Buf;

/**
 * One region of the arena: a buffer, or a chain of buffers that an in-place operator hands on (each member's
 * lifetime ends at the instruction where the next one's begins), live from {@code start} to {@code end} inclusive.
 * {@code bytes} is its largest size; a chain whose members differ in size (an in-place kernel's output over an input
 * of another size, the smaller at the start) holds at each instruction only what its live members need:
 * {@code sizes[i - start]} ({@code null}: {@code bytes} throughout).
 */
public record Block(int index, List<Buf> members, int start, int end, int bytes, int align, int[] sizes) {
    /** A block of one size throughout. */
    public Block(int index, List<Buf> members, int start, int end, int bytes, int align) {
        this(index, members, start, end, bytes, align, null);
    }

    public boolean overlaps(Block o) {
        return start <= o.end && o.start <= end;
    }

    /** Bytes held at instruction i (0 outside the lifetime). */
    public int bytesAt(int i) {
        if (i < start || i > end) {
            return 0;
        }
        return sizes == null ? bytes : sizes[i - start];
    }

    /** Largest size held at an instruction of [from, to] (0 when the block is not live there). */
    public int maxBytes(int from, int to) {
        int a = Math.max(from, start), b = Math.min(to, end);
        if (a > b) {
            return 0;
        }
        if (sizes == null) {
            return bytes;
        }
        int m = 0;
        for (int i = a; i <= b; i++) {
            m = Math.max(m, sizes[i - start]);
        }
        return m;
    }

    public String name() {
        return members.get(0).name + (members.size() > 1 ? " (+" + (members.size() - 1) + " in place)" : "");
    }

    /** Alignment of a buffer's first byte: 8 for 4-byte elements (float, int32), 4 otherwise. */
    public static int alignOf(Buf b) {
        return b.kind != Buf.Kind.MASK && b.dtype.bytes >= 4 ? 8 : 4;
    }
}
