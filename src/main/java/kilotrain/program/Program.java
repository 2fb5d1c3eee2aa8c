package kilotrain.program;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import kilotrain.ir.Graph;
import kilotrain.ops.conv.SaveChannels;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.Param;
import kilotrain.ops.core.TrainedConv;
import kilotrain.ops.dequantize.DequantizeFwd;
import kilotrain.ops.loss.LossGrad;
import kilotrain.ops.loss.BceGrad;
import kilotrain.ops.loss.MseGrad;
import kilotrain.ops.loss.TargetKind;

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

    /** Index of the loss instruction in {@code order} ({@code order.size()} when there is none). */
    public static int lossIndex(List<Instr> order) {
        for (int i = 0; i < order.size(); i++) {
            if (order.get(i) instanceof LossGrad || order.get(i) instanceof MseGrad || order.get(i) instanceof BceGrad) {
                return i;
            }
        }
        return order.size();
    }

    /**
     * The inference pass of an ordering of the step, as indices into {@code order}: the instructions before the loss,
     * except the channel saves, which only feed the backward pass. The one definition of the inference pass for the
     * Java executor, the C generator and {@link #resumeAfter}.
     */
    public static int[] inference(List<Instr> order) {
        int end = lossIndex(order);
        int[] out = new int[end];
        int n = 0;
        for (int i = 0; i < end; i++) {
            if (!(order.get(i) instanceof SaveChannels)) {
                out[n++] = i;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /**
     * Whether the step is a regression: mean squared error of the model's own dequantized outputs ({@link #logits},
     * {@link #numClasses} values) against float targets, instead of cross-entropy on a label.
     */
    public boolean regress() {
        for (Instr in : step) {
            if (in instanceof MseGrad) {
                return true;
            }
        }
        return false;
    }

    /**
     * What the mean squared error compares the outputs with (float or int8 targets, or the input itself); null when
     * the step learns from a label (classification, binary).
     */
    public TargetKind targetKind() {
        for (Instr in : step) {
            if (in instanceof MseGrad m) {
                return m.target();
            }
        }
        return null;
    }

    /** The mean-squared-error instruction of a regression or an autoencoder (null for a classifier). */
    public MseGrad mse() {
        for (Instr in : step) {
            if (in instanceof MseGrad m) {
                return m;
            }
        }
        return null;
    }

    /** Whether the step is an autoencoder's: the mean squared error of the output against the input itself. */
    public boolean autoencoder() {
        return targetKind() == TargetKind.INPUT;
    }

    /** Whether the step is a binary classifier's: one logit, binary cross-entropy on a 0/1 label. */
    public boolean binary() {
        for (Instr in : step) {
            if (in instanceof BceGrad) {
                return true;
            }
        }
        return false;
    }

    /** Whether the model's own fully connected classifier produces the logits (classify-keep-head). */
    public boolean ownClassifier() {
        for (Instr in : step) {
            if (in instanceof LossGrad l && l.ownHead()) {
                return true;
            }
        }
        return false;
    }

    /** Whether the model's own int8 classifier produces the logits (no new float head). */
    public boolean keepsClassifier() {
        for (Instr in : step) {
            if (in instanceof DequantizeFwd l && l.kept()) {
                return true;
            }
        }
        return false;
    }

    /** Whether a new int8 classifier head produces the logits. */
    public boolean int8Head() {
        for (Instr in : step) {
            if (in instanceof DequantizeFwd l && !l.kept()) {
                return true;
            }
        }
        return false;
    }

    /** The transient activation buffer of the forward tensor named {@code name}, or null when there is not exactly one. */
    public Buf activation(String name) {
        Buf found = null;
        for (Buf b : bufs) {
            if (b.kind == Buf.Kind.ACT && b.name.equals(name)) {
                if (found != null) {
                    return null;
                }
                found = b;
            }
        }
        return found;
    }

    /**
     * Where an inference pass can start from the activation {@code cut} alone: the index of the first instruction
     * after the one that writes it, or -1 when no forward instruction writes it or a later forward instruction reads
     * another transient buffer written before that point (a residual branch, a fused block). Channel saves only feed
     * the backward pass and are not part of inference.
     */
    public int resumeAfter(Buf cut) {
        int producer = -1;
        int[] inference = inference(step);
        for (int i : inference) {
            if (step.get(i).writes().contains(cut)) {
                producer = i;
            }
        }
        if (producer < 0) {
            return -1;
        }
        Set<Buf> ready = Collections.newSetFromMap(new IdentityHashMap<>());
        ready.add(cut);
        for (int i : inference) {
            if (i <= producer) {
                continue;
            }
            Instr in = step.get(i);
            for (Buf b : in.reads()) {
                if (!b.kind.persistent && !ready.contains(b)) {
                    return -1;
                }
            }
            ready.addAll(in.writes());
        }
        return producer + 1;
    }

    public Program withStep(List<Instr> newStep) {
        return new Program(forward, newStep, bufs, params, trained, input, logits, loss, numClasses, backboneConvs);
    }

    /** The same program with another step and buffer list (a memory pass that adds or removes scratch buffers). */
    public Program withStepAndBufs(List<Instr> newStep, List<Buf> newBufs) {
        return new Program(forward, newStep, newBufs, params, trained, input, logits, loss, numClasses, backboneConvs);
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
