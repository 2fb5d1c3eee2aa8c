package kilotrain.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import kilotrain.compiler.TrainCompiler;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.ir.Op;
import kilotrain.ir.Tensor;
import kilotrain.ops.Operators;
import kilotrain.ops.dequantize.Dequantize;

/**
 * {@code inspect} as one call: a model's layers with their shapes, parameters, MACs and activation bytes (and the
 * operator's own fields, from its registration in {@link Operators}), and the totals: MACs with and without the
 * classifier, the backbone's weighted layers, the weight bytes (flash) and the peak inference activations.
 *
 * @param graph        the model
 * @param layers       one per operator, then the float output's DEQUANTIZE when the model has one
 * @param macs         all MACs
 * @param backboneMacs MACs without the classifier
 * @param backboneConvs the backbone's weighted layers (a fully connected one counts as its 1x1 convolution)
 * @param weightBytes  the constant tensors' bytes
 * @param memory       the peak inference activations
 */
public record ModelSummary(Graph graph, List<Layer> layers, long macs, long backboneMacs, int backboneConvs,
        long weightBytes, InferenceMemory memory) {

    /** One layer: every activation it reads plus the one it writes make {@code activationBytes}. */
    public record Layer(int index, String kind, String name, Tensor input, Tensor output, long params, long macs,
            long activationBytes, Map<String, Object> details) {
    }

    /** Loads {@code model} and sums it up. */
    public static ModelSummary of(Path model) {
        Graph g = ModelLoader.load(model);
        List<Op> weighted = g.weightedOps();
        Op classifier = weighted.isEmpty() ? null : weighted.get(weighted.size() - 1);
        long macs = 0, backboneMacs = 0, weightBytes = 0;
        int convs = 0;
        List<Layer> layers = new ArrayList<>();
        int i = 0;
        for (Op op : g.ops) {
            long params = 0;
            for (Tensor t : op.inputs()) {
                if (t.isConstant()) {
                    params += t.elements();
                    weightBytes += t.bytes();
                }
            }
            macs += op.macs();
            if (op != classifier) {
                backboneMacs += op.macs();
                if (TrainCompiler.weighted(op) != null) {
                    convs++; // a fully connected layer trains as a 1x1 conv and is counted with them
                }
            }
            // every activation the operator reads (CONCATENATION and ADD read several) plus the one it writes
            int act = op.output().bytes();
            for (Tensor t : op.inputs()) {
                act += t.isConstant() ? 0 : t.bytes();
            }
            layers.add(new Layer(i, op.kind(), op.name, op.inputs().get(0), op.output(), params, op.macs(), act,
                    Operators.details(op)));
            i++;
        }
        if (g.floatOutput) {
            // the model's last operator, DEQUANTIZE (ops/dequantize): outside the int8 graph, no MACs
            layers.add(new Layer(i, "DEQUANTIZE", g.output.name, g.output, g.output, 0, 0,
                    Dequantize.activationBytes(g), Map.of()));
        }
        return new ModelSummary(g, layers, macs, backboneMacs, convs, weightBytes, InferenceMemory.of(g));
    }
}
