package kilotrain.compiler.memory;

import java.util.List;
import kilotrain.program.Instr;
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
            long top = plan.offset()[b.index()] + (long) b.bytes();
            for (int i = b.start(); i <= b.end(); i++) {
                hw[i] = Math.max(hw[i], top);
            }
        }
        return hw;
    }

    /** Instruction with the most bytes live (first one): where the arena is fullest. */
    public int peakStep() {
        return plan.lowerBoundStep();
    }
}
