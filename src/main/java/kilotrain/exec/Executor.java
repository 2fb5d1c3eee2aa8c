package kilotrain.exec;

import kilotrain.KtException;
import kilotrain.ir.Graph;
import kilotrain.ir.Tensor;
import kilotrain.ops.Scratch;

/**
 * Runs a {@link CompiledGraph} on one int8 NHWC sample at a time. Owns every activation buffer and scratch array and
 * reuses them across calls, so a forward pass allocates nothing; not thread safe: use one executor per thread.
 */
public final class Executor {
    private final CompiledGraph compiled;
    private final byte[][] slots;
    private final Scratch scratch;

    public Executor(CompiledGraph compiled) {
        this.compiled = compiled;
        this.slots = new byte[compiled.slotBytes.length][];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new byte[compiled.slotBytes[i]];
        }
        this.scratch = compiled.newScratch();
    }

    public Executor(Graph graph) {
        this(CompiledGraph.compile(graph));
    }

    public CompiledGraph compiled() {
        return compiled;
    }

    /** Runs the graph; afterwards {@link #output()} and {@link #view(Tensor)} hold this sample's values. */
    public void forward(byte[] input) {
        byte[] in = slots[compiled.inputSlot];
        if (input.length != in.length) {
            throw new KtException("graph '" + compiled.graph.name + "': input has " + input.length
                    + " bytes, tensor " + compiled.graph.input + " needs " + in.length);
        }
        System.arraycopy(input, 0, in, 0, in.length);
        for (kilotrain.ops.Forward s : compiled.steps) {
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
        return slots[compiled.outputSlot];
    }

    /** The buffer holding tensor t after the last run (not a copy). */
    public byte[] view(Tensor t) {
        Integer s = compiled.slotOf.get(t);
        if (s == null) {
            throw new KtException("graph '" + compiled.graph.name + "': tensor '" + t.name
                    + "' is not an activation of this graph");
        }
        return slots[s];
    }

    /** The buffer of a marked tensor (see {@link Graph#marks}) after the last run. */
    public byte[] mark(String name) {
        Tensor t = compiled.graph.marks.get(name);
        if (t == null) {
            throw new KtException("graph '" + compiled.graph.name + "' has no tensor marked '" + name + "' (marks: "
                    + compiled.graph.marks.keySet() + ")");
        }
        return view(t);
    }
}
