package kilotrain.model;

import java.util.ArrayList;
import java.util.List;
import kilotrain.data.InputSpec;
import kilotrain.exec.Executor;
import kilotrain.ir.Graph;
import kilotrain.ir.Quant;
import kilotrain.ops.dequantize.Dequantize;

/**
 * Predictions of an imported int8 graph: its int8 output, dequantized by {@link Dequantize} (exactly the floats a
 * float-interface model's DEQUANTIZE gives).
 */
public final class GraphPredictor implements Predictor {
    private final Graph graph;
    private final kilotrain.exec.CompiledGraph compiled;
    private final InputSpec spec;

    @Override
    public kilotrain.ir.Quant outputQuant() {
        return graph.output.quant;
    }

    public GraphPredictor(Graph graph, InputSpec spec) {
        this.graph = graph;
        this.compiled = kilotrain.exec.CompiledGraph.compile(graph);
        this.spec = spec;
    }

    @Override
    public InputSpec inputSpec() {
        return spec;
    }

    @Override
    public byte[] modelOutput(byte[] rawInt8, float[] scores) {
        if (!graph.floatOutput) {
            return rawInt8;
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * scores.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float f : scores) {
            b.putFloat(f);
        }
        return b.array();
    }

    @Override
    public List<String> classes() {
        List<String> c = new ArrayList<>();
        for (int i = 0; i < graph.output.elements(); i++) {
            c.add(Integer.toString(i));
        }
        return c;
    }

    @Override
    public boolean rawInputIsNchw() {
        return graph.source == Graph.Source.TINY_TRAINING_PKL;
    }

    @Override
    public Scorer scorer() {
        Executor ex = new Executor(compiled);
        Quant q = graph.output.quant;
        return new Scorer() {
            byte[] last;

            @Override
            public float[] scores(byte[] input) {
                last = ex.run(input);
                float[] s = new float[last.length];
                if (q == null) {
                    for (int i = 0; i < s.length; i++) {
                        s[i] = last[i];
                    }
                } else {
                    Dequantize.run(last, 0, last.length, q.scale(), q.zeroPoint(), s, 0);
                }
                return s;
            }

            @Override
            public byte[] rawOutput() {
                return last.clone();
            }
        };
    }
}
