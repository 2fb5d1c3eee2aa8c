package kilotrain.compiler.memory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;

/**
 * Which instruction may write its output over one of its inputs ({@link Instr#inPlace}: elementwise operators whose
 * output element i depends only on input element i, read before it is written, of the same size), when that input
 * dies at this instruction. ConvOutGrad writes gAcc over gOut; AddBwd writes its first non-accumulating input gradient
 * over gOut; CopyGrad and Copy (reshape) write over their source.
 */
public final class InPlace {
    private InPlace() {
    }

    /** Arena blocks of a step: every transient buffer alone, or chained with the buffers it is written over. */
    public static List<Block> blocks(Liveness live, boolean inPlace) {
        Map<Buf, List<Buf>> chainOf = new LinkedHashMap<>();
        for (Buf b : live.bufs) {
            List<Buf> c = new ArrayList<>();
            c.add(b);
            chainOf.put(b, c);
        }
        if (inPlace) {
            for (int i = 0; i < live.step.size(); i++) {
                Buf[] pair = live.step.get(i).inPlace();
                if (pair == null) {
                    continue;
                }
                Buf src = pair[0], dst = pair[1];
                List<Buf> cs = chainOf.get(src), cd = chainOf.get(dst);
                if (cs == null || cd == null || cs == cd || src.kind.persistent || dst.kind.persistent
                        || live.end(src) != i || live.start(dst) != i || cd.get(0) != dst
                        || cs.get(cs.size() - 1) != src || src.bytes() != dst.bytes()
                        || Block.alignOf(src) != Block.alignOf(dst)) {
                    continue;
                }
                cs.addAll(cd);
                for (Buf b : cd) {
                    chainOf.put(b, cs);
                }
            }
        }
        List<Block> out = new ArrayList<>();
        java.util.Set<List<Buf>> done = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Buf b : live.bufs) {
            List<Buf> c = chainOf.get(b);
            if (!done.add(c)) {
                continue;
            }
            int s = Integer.MAX_VALUE, e = -1, bytes = 0, align = 4;
            for (Buf m : c) {
                s = Math.min(s, live.start(m));
                e = Math.max(e, live.end(m));
                bytes = Math.max(bytes, m.bytes());
                align = Math.max(align, Block.alignOf(m));
            }
            out.add(new Block(out.size(), List.copyOf(c), s, e, bytes, align));
        }
        return out;
    }
}
