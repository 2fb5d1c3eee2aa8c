package kilotrain.compiler.memory;

import java.util.List;
import kilotrain.ops.core.Buf;

/**
 * One region of the arena: a buffer, or a chain of buffers that an in-place operator hands on (each member's
 * lifetime ends at the instruction where the next one's begins), live from {@code start} to {@code end} inclusive.
 */
public record Block(int index, List<Buf> members, int start, int end, int bytes, int align) {
    public boolean overlaps(Block o) {
        return start <= o.end && o.start <= end;
    }

    public String name() {
        return members.get(0).name + (members.size() > 1 ? " (+" + (members.size() - 1) + " in place)" : "");
    }

    /** Alignment of a buffer's first byte: 8 for 4-byte elements (float, int32), 4 otherwise. */
    public static int alignOf(Buf b) {
        return b.kind != Buf.Kind.MASK && b.dtype.bytes >= 4 ? 8 : 4;
    }
}
