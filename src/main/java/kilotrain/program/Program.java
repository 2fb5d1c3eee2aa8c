package kilotrain.program;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import kilotrain.ir.Graph;

/**
 * A compiled training step: the instructions of one sample's forward, loss and backward pass in execution order,
 * every buffer they touch, and the trainable parameters whose per-sample gradients the step produces. Applying the
 * (batch-accumulated) gradients to the parameters is the update phase, see {@link #params}.
 */
public final class Program {
    public final Graph forward;
    public final List<Instr> step;
    public final List<Buf> bufs;
    public final List<Param> params;
    public final List<TrainedConv> trained;
    public final Buf input, logits, loss;
    public final int numClasses;
    /** Index of the classifier among the graph's weighted ops = number of backbone convs. */
    public final int backboneConvs;

    public Program(Graph forward, List<Instr> step, List<Buf> bufs, List<Param> params, List<TrainedConv> trained,
            Buf input, Buf logits, Buf loss, int numClasses, int backboneConvs) {
        this.forward = forward;
        this.step = Collections.unmodifiableList(new ArrayList<>(step));
        this.bufs = Collections.unmodifiableList(new ArrayList<>(bufs));
        this.params = Collections.unmodifiableList(new ArrayList<>(params));
        this.trained = Collections.unmodifiableList(new ArrayList<>(trained));
        this.input = input;
        this.logits = logits;
        this.loss = loss;
        this.numClasses = numClasses;
        this.backboneConvs = backboneConvs;
    }

    /** Whether the model's own int8 classifier produces the logits (no new float head). */
    public boolean keepsClassifier() {
        for (Instr in : step) {
            if (in instanceof Instr.Int8Logits l && l.kept()) {
                return true;
            }
        }
        return false;
    }

    /** Whether a new int8 classifier head produces the logits. */
    public boolean int8Head() {
        for (Instr in : step) {
            if (in instanceof Instr.Int8Logits l && !l.kept()) {
                return true;
            }
        }
        return false;
    }

    public Program withStep(List<Instr> newStep) {
        return new Program(forward, newStep, bufs, params, trained, input, logits, loss, numClasses, backboneConvs);
    }

    /** One line per instruction: index, op, what it writes and reads. */
    public String listing() {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        for (Instr in : step) {
            sb.append(String.format("%4d  %-24s %s <- %s%n", i++, in.op(), in.writes(), in.reads()));
        }
        return sb.toString();
    }
}
