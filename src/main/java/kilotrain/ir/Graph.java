package kilotrain.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A forward int8 graph: operators in execution order (a topological order), one input and one output tensor.
 * Models of either family import into this one form, so every later pass and backend sees a single IR.
 */
public final class Graph {
    /** Which family the graph came from: it fixes the raw input layout users hand us and the export format. */
    public enum Source { TFLITE, TINY_TRAINING_PKL }

    public final String name;
    public final Source source;
    public final Tensor input;
    public final Tensor output;
    public final List<Op> ops;
    /** Named intermediate tensors worth reporting (e.g. "lastblock", "pool" for the paper models). */
    public final Map<String, Tensor> marks;
    /**
     * The model's own interface, when it is float: a float-interface TFLite model quantizes its float input with a
     * QUANTIZE at the start and dequantizes its output with a DEQUANTIZE at the end. kilotrain runs the int8 graph
     * between them: {@link #input} is the quantized input (what a device feeds) and {@link #output} the int8 output,
     * whose quantization dequantizes it as the model's DEQUANTIZE would.
     */
    public final boolean floatInput, floatOutput;
    /**
     * A uint8 interface: the model's uint8 input goes through a QUANTIZE uint8 -> int8 first; kilotrain runs the
     * int8 graph after it, exactly as after a float interface's QUANTIZE ({@link #input} is the int8 input).
     */
    public final boolean uint8Input;

    public Graph(String name, Source source, Tensor input, Tensor output, List<Op> ops, Map<String, Tensor> marks) {
        this(name, source, input, output, ops, marks, false, false);
    }

    public Graph(String name, Source source, Tensor input, Tensor output, List<Op> ops, Map<String, Tensor> marks,
            boolean floatInput, boolean floatOutput) {
        this(name, source, input, output, ops, marks, floatInput, floatOutput, false);
    }

    public Graph(String name, Source source, Tensor input, Tensor output, List<Op> ops, Map<String, Tensor> marks,
            boolean floatInput, boolean floatOutput, boolean uint8Input) {
        this.uint8Input = uint8Input;
        this.floatInput = floatInput;
        this.floatOutput = floatOutput;
        this.name = name;
        this.source = source;
        this.input = input;
        this.output = output;
        this.ops = Collections.unmodifiableList(new ArrayList<>(ops));
        this.marks = Collections.unmodifiableMap(new LinkedHashMap<>(marks));
        checkTopological();
    }

    private void checkTopological() {
        java.util.Set<Tensor> ready = new java.util.HashSet<>();
        ready.add(input);
        for (Op op : ops) {
            for (Tensor t : op.inputs()) {
                if (!t.isConstant() && !ready.contains(t)) {
                    throw new IllegalArgumentException("graph '" + name + "': operator " + op
                            + " reads tensor '" + t.name + "' before anything writes it");
                }
            }
            ready.add(op.output());
        }
        if (!ready.contains(output)) {
            throw new IllegalArgumentException("graph '" + name + "': no operator writes the output '" + output.name + "'");
        }
    }

    /** The graph's convolutions (and fully connected layers) in execution order, as the paper counts them. */
    public List<Op> weightedOps() {
        List<Op> out = new ArrayList<>();
        for (Op op : ops) {
            if (op instanceof Conv2D || op instanceof FullyConnected) {
                out.add(op);
            }
        }
        return out;
    }

    /** Every tensor of the graph, each once, in first-use order. */
    public List<Tensor> tensors() {
        LinkedHashMap<Tensor, Boolean> seen = new LinkedHashMap<>();
        seen.put(input, true);
        for (Op op : ops) {
            for (Tensor t : op.inputs()) {
                seen.put(t, true);
            }
            seen.put(op.output(), true);
        }
        return new ArrayList<>(seen.keySet());
    }

    public long macs() {
        long m = 0;
        for (Op op : ops) {
            m += op.macs();
        }
        return m;
    }
}
