package kilotrain.compiler.memory;

import java.util.List;
import kilotrain.ops.core.Instr;
import kilotrain.program.Program;

/** One ordering of a step (of {@code program}, whose buffers it uses) and its arena plan. */
public record Variant(String name, Program program, List<Instr> step, Liveness liveness, ArenaPlan plan) {
    public static Variant of(String name, Program p, List<Instr> step, boolean inPlace, ArenaPlanner planner) {
        Liveness l = Liveness.of(p, step);
        return new Variant(name, p, step, l, planner.plan(InPlace.blocks(l, inPlace), step.size()));
    }

    /** Highest arena byte in use at each instruction under the plan. */
    public long[] arenaHighWater() {
        long[] hw = new long[Math.max(1, step.size())];
        for (Block b : plan.blocks()) {
            for (int i = b.start(); i <= b.end(); i++) {
                hw[i] = Math.max(hw[i], plan.offset()[b.index()] + (long) b.bytesAt(i));
            }
        }
        return hw;
    }

    /** Bytes live at each instruction, a buffer written in place over another counted once. */
    public long[] liveBytes() {
        long[] live = new long[Math.max(1, step.size())];
        for (Block b : plan.blocks()) {
            for (int i = b.start(); i <= b.end(); i++) {
                live[i] += b.bytesAt(i);
            }
        }
        return live;
    }

    /**
     * Largest sum of live block sizes from the loss instruction on: the memory of the training part of the step,
     * which reordering and in-place updates act on (the forward pass before it is inference).
     */
    public long backwardLowerBound() {
        int from = Program.lossIndex(step);
        if (from == step.size()) {
            from = 0; // no loss: all of it
        }
        long[] live = liveBytes();
        long best = 0;
        for (int i = from; i < step.size(); i++) {
            best = Math.max(best, live[i]);
        }
        return best;
    }

    /** Instruction with the most bytes live (first one): where the arena is fullest. */
    public int peakStep() {
        return plan.lowerBoundStep();
    }
}
