package kilotrain.compiler.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import kilotrain.KtException;
import kilotrain.ir.DType;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;
import kilotrain.ops.conv.ConvInputGrad;
import kilotrain.ops.conv.ConvInputGradInPlace;
import kilotrain.ops.reshape.Copy;
import kilotrain.ops.reshape.CopyGrad;
import kilotrain.program.Program;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** Liveness, reordering and arena planning on random programs under random legal schedules. */
class MemoryPropertiesTest {

    static List<Instr> randomSchedule(Program p, long seed) {
        List<Instr> base = Reorder.withUpdates(p);
        Dependencies d = Dependencies.of(base);
        int[] order = RandomPrograms.randomTopologicalOrder(d, new SplittableRandom(seed));
        assertTrue(d.respectedBy(order));
        List<Instr> out = new ArrayList<>();
        for (int i : order) {
            out.add(base.get(i));
        }
        return out;
    }

    @Property(tries = 400, seed = "20261123")
    void plannedArenaIsValid(@ForAll long seed, @ForAll boolean inPlace) {
        Program p = RandomPrograms.generate(seed);
        List<Instr> step = randomSchedule(p, seed * 31 + 7);
        Liveness live = Liveness.of(p, step);
        assertWrittenBeforeRead(p, step);
        List<Block> blocks = InPlace.blocks(live, inPlace);
        ArenaPlan plan = new ArenaPlanner(40, seed).plan(blocks, step.size());
        assertNull(plan.conflict());
        assertNoLiveOverlap(live, plan);
        long maxLive = 0;
        for (long v : live.liveBytes()) {
            maxLive = Math.max(maxLive, v);
        }
        assertTrue(plan.arenaBytes() >= plan.lowerBound(), plan.arenaBytes() + " < " + plan.lowerBound());
        assertTrue(plan.lowerBound() <= maxLive);
        if (!inPlace) {
            assertEquals(maxLive, plan.lowerBound());
        }
    }

    @Property(tries = 200, seed = "20261123")
    void reorderOnlyPermutesLegally(@ForAll long seed) {
        Program p = RandomPrograms.generate(seed);
        List<Instr> base = Reorder.withUpdates(p);
        Dependencies d = Dependencies.of(base);
        for (List<Instr> s : List.of(Reorder.optimize(p), Reorder.updatesInPlace(p))) {
            int[] order = new int[s.size()];
            Set<Integer> seen = new HashSet<>();
            for (int k = 0; k < s.size(); k++) {
                order[k] = indexOf(base, s.get(k), seen);
                assertTrue(seen.add(order[k]));
            }
            assertTrue(d.respectedBy(order));
            assertWrittenBeforeRead(p, s);
        }
    }

    @Test
    void readBeforeWriteIsRejected() {
        Buf in = new Buf(0, "input", Buf.Kind.INPUT, DType.INT8, 4);
        Buf a = new Buf(1, "a", Buf.Kind.ACT, DType.INT8, 4);
        Buf b = new Buf(2, "b", Buf.Kind.ACT, DType.INT8, 4);
        Program p = new Program(null, List.of(new Copy(a, b), new Copy(in, a)), List.of(in, a, b),
                List.of(), List.of(), in, null, null, 1, 0);
        KtException e = assertThrows(KtException.class, () -> Liveness.of(p, p.step));
        assertTrue(e.getMessage().contains("'a'"), e.getMessage());
    }

    @Test
    void inPlaceChainSharesOneBlock() {
        Buf in = new Buf(0, "input", Buf.Kind.INPUT, DType.INT8, 100);
        Buf a = new Buf(1, "a", Buf.Kind.ACT, DType.INT8, 100);
        Buf b = new Buf(2, "b", Buf.Kind.ACT, DType.INT8, 100);
        Buf c = new Buf(3, "c", Buf.Kind.ACT, DType.INT8, 100);
        Program p = new Program(null, List.of(new Copy(in, a), new Copy(a, b), new Copy(b, c)),
                List.of(in, a, b, c), List.of(), List.of(), in, null, null, 1, 0);
        Liveness l = Liveness.of(p, p.step);
        assertEquals(1, InPlace.blocks(l, true).size());
        ArenaPlan plan = new ArenaPlanner().plan(InPlace.blocks(l, true), 3);
        assertEquals(100, plan.arenaBytes());
        assertEquals(200, new ArenaPlanner().plan(InPlace.blocks(l, false), 3).arenaBytes());
    }

    /**
     * A chain through in-place kernels holds at each instruction only what its live member needs: a 40-byte gradient
     * written over a 400-byte one and later a 400-byte one over it, beside a 360-byte buffer live only while the
     * chain is small, fit in 400 bytes (a block of the chain's largest size throughout would need 760).
     */
    @Test
    void chainOfChangingSizeHoldsOnlyWhatItNeeds() {
        Buf in = new Buf(0, "input", Buf.Kind.INPUT, DType.FLOAT32, 100);
        Buf small = new Buf(1, "small", Buf.Kind.GRAD, DType.FLOAT32, 10);
        Buf big = new Buf(2, "big", Buf.Kind.GRAD, DType.FLOAT32, 100);
        Buf other = new Buf(3, "other", Buf.Kind.GRAD, DType.FLOAT32, 90);
        Buf s1 = new Buf(4, "s1", Buf.Kind.GRAD, DType.FLOAT32, 0), s2 = new Buf(5, "s2", Buf.Kind.GRAD, DType.FLOAT32, 0);
        Program p = new Program(null, List.of(
                new ConvInputGradInPlace(new ConvInputGrad(null, in, null, small, false), s1, 1),
                new CopyGrad(small, other, false),
                new CopyGrad(other, small, true),
                new ConvInputGradInPlace(new ConvInputGrad(null, small, null, big, false), s2, 1)),
                List.of(in, small, big, other, s1, s2), List.of(), List.of(), in, null, null, 1, 0);
        Liveness l = Liveness.of(p, p.step);
        List<Block> blocks = InPlace.blocks(l, true);
        Block chain = blocks.stream().filter(b -> b.members().contains(small)).findFirst().orElseThrow();
        assertEquals(List.of(in, small, big), chain.members());
        assertEquals(400, chain.bytes());
        assertEquals(40, chain.bytesAt(1));
        assertEquals(40, chain.bytesAt(2));
        assertEquals(400, chain.bytesAt(3));
        ArenaPlan plan = new ArenaPlanner().plan(blocks, p.step.size());
        assertNull(plan.conflict());
        assertEquals(400, plan.lowerBound());
        assertEquals(400, plan.arenaBytes());
        assertNoLiveOverlap(l, plan);
        // the same buffers at one offset each where the chain is large would overlap: the check sees it
        int[] off = plan.offset().clone();
        for (Block b : blocks) {
            if (b.members().contains(other)) {
                off[b.index()] = 0;
            }
        }
        ArenaPlan bad = new ArenaPlan("bad", blocks, off, plan.arenaBytes(), plan.lowerBound(), 0);
        assertTrue(bad.conflict() != null && bad.conflict().contains("other"), bad.conflict());
    }

    /** First unused instruction of base equal to in (updates are rebuilt by each pass, so equal, not identical). */
    private static int indexOf(List<Instr> base, Instr in, Set<Integer> used) {
        for (int i = 0; i < base.size(); i++) {
            if (base.get(i).equals(in) && !used.contains(i)) {
                return i;
            }
        }
        return -1;
    }

    /** Independent of Liveness: every transient buffer read has been written earlier (the input before the step). */
    static void assertWrittenBeforeRead(Program p, List<Instr> step) {
        Set<Buf> written = new HashSet<>();
        written.add(p.input);
        for (Instr in : step) {
            for (Buf b : in.reads()) {
                assertTrue(b.kind.persistent || written.contains(b), b.name + " read before written");
            }
            written.addAll(in.writes());
        }
    }

    /**
     * Buffer by buffer: two buffers live at one instruction never share bytes, unless that instruction writes one
     * over the other in place and it is the last of the first and the first of the second.
     */
    static void assertNoLiveOverlap(Liveness live, ArenaPlan plan) {
        List<Buf> bufs = live.bufs;
        for (int x = 0; x < bufs.size(); x++) {
            for (int y = x + 1; y < bufs.size(); y++) {
                Buf a = bufs.get(x), b = bufs.get(y);
                int s = Math.max(live.start(a), live.start(b)), e = Math.min(live.end(a), live.end(b));
                if (s > e || a.bytes() == 0 || b.bytes() == 0) {
                    continue;
                }
                long a0 = plan.offsetOf(a), b0 = plan.offsetOf(b);
                boolean share = a0 < b0 + b.bytes() && b0 < a0 + a.bytes();
                if (!share) {
                    continue;
                }
                assertEquals(s, e, a.name + " and " + b.name + " share bytes over several instructions");
                Buf[] pair = live.step.get(s).inPlace();
                assertTrue(pair != null && (pair[0] == a && pair[1] == b || pair[0] == b && pair[1] == a)
                        && live.end(pair[0]) == s && live.start(pair[1]) == s,
                        a.name + " and " + b.name + " share bytes at " + s + " without an in-place handoff");
            }
        }
    }
}
