package kilotrain.exec;

import kilotrain.KtException;
import kilotrain.ir.Graph;
import kilotrain.ir.Tensor;
import kilotrain.ops.Scratch;

/**
 * Runs a {@link Program} on one int8 NHWC sample at a time. Owns every activation buffer and scratch array and
 * reuses them across calls, so a forward pass allocates nothing; not thread safe: use one executor per thread.
 */
public final class Executor {
    private final Program program;
    private final byte[][] slots;
    private final Scratch scratch;

    public Executor(Program program) {
        this.program = program;
        this.slots = new byte[program.slotBytes.length][];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new byte[program.slotBytes[i]];
        }
        this.scratch = program.newScratch();
    }

    public Executor(Graph graph) {
        this(Program.compile(graph));
    }

    public Program program() {
        return program;
    }

    /** Runs the graph; afterwards {@link #output()} and {@link #view(Tensor)} hold this sample's values. */
    public void forward(byte[] input) {
        byte[] in = slots[program.inputSlot];
        if (input.length != in.length) {
            throw new KtException("graph '" + program.graph.name + "': input has " + input.length
                    + " bytes, tensor " + program.graph.input + " needs " + in.length);
        }
        System.arraycopy(input, 0, in, 0, in.length);
        for (Program.Step s : program.steps) {
            s.run(slots, scratch);
        }
    }

    /** Runs the graph and returns a copy of its output. */
    public byte[] run(byte[] input) {
        forward(input);
        return output().clone();
    }

    /** The output buffer of the last run (valid until the next run). */
    public byte[] output() {
        return slots[program.outputSlot];
    }

    /** The buffer holding tensor t after the last run (not a copy). */
    public byte[] view(Tensor t) {
        Integer s = program.slotOf.get(t);
        if (s == null) {
            throw new KtException("graph '" + program.graph.name + "': tensor '" + t.name
                    + "' is not an activation of this graph");
        }
        return slots[s];
    }

    /** The buffer of a marked tensor (see {@link Graph#marks}) after the last run. */
    public byte[] mark(String name) {
        Tensor t = program.graph.marks.get(name);
        if (t == null) {
            throw new KtException("graph '" + program.graph.name + "' has no tensor marked '" + name + "' (marks: "
                    + program.graph.marks.keySet() + ")");
        }
        return view(t);
    }
}
