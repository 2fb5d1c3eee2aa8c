package kilotrain.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import kilotrain.ir.Graph;
import kilotrain.ir.Tensor;
import kilotrain.model.InferenceMemory;
import kilotrain.model.ModelSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Per layer: operator, shapes, parameters, MACs, activation bytes; totals: weight bytes (flash) "
                + "and peak inference activation memory.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Model file (.tflite or the paper's .pkl).")
    Path model;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        ModelSummary sum = ModelSummary.of(model);
        Graph g = sum.graph();
        ArrayNode layers = Json.MAPPER.createArrayNode();
        StringBuilder table = new StringBuilder();
        table.append(String.format("%-4s %-18s %-22s %-16s %-16s %10s %12s %10s%n", "#", "op", "name", "input",
                "output", "params", "MACs", "act bytes"));
        for (ModelSummary.Layer l : sum.layers()) {
            ObjectNode o = row(table, layers, l.index(), l.kind(), l.name(), l.input(), l.output(), l.params(),
                    l.macs(), l.activationBytes());
            l.details().forEach((k, v) -> o.set(k, Json.MAPPER.valueToTree(v)));
        }
        InferenceMemory mem = sum.memory();
        long macs = sum.macs(), backboneMacs = sum.backboneMacs(), weightBytes = sum.weightBytes();
        int convs = sum.backboneConvs();
        if (json.json) {
            ObjectNode o = Json.object();
            o.put("model", model.toString());
            o.put("format", g.source.name().toLowerCase());
            o.set("input_shape", Json.MAPPER.valueToTree(g.input.shape));
            o.set("output_shape", Json.MAPPER.valueToTree(g.output.shape));
            o.put("layout", "NHWC");
            o.put("float_input", g.floatInput);
            o.put("uint8_input", g.uint8Input);
            o.put("float_output", g.floatOutput);
            o.put("ops", g.ops.size());
            o.put("macs", macs);
            o.put("backbone_macs", backboneMacs);
            o.put("backbone_convs", convs);
            o.put("weight_bytes", weightBytes);
            o.put("peak_activation_bytes", mem.peakBytes());
            o.put("peak_activation_op", mem.peakOp());
            o.set("layers", layers);
            System.out.println(Json.write(o));
        } else {
            System.out.print(table);
            System.out.printf("model %s (%s), input %s, output %s, activations NHWC%n", model,
                    g.source.name().toLowerCase(), Arrays.toString(g.input.shape), Arrays.toString(g.output.shape));
            if (g.floatInput || g.floatOutput || g.uint8Input) {
                System.out.printf("%s interface: %s; kilotrain runs the int8 graph between them (input %s, output %s)%n",
                        g.uint8Input ? "uint8" : "float",
                        (g.floatInput || g.uint8Input ? "QUANTIZE at the input" : "")
                                + ((g.floatInput || g.uint8Input) && g.floatOutput ? ", " : "")
                                + (g.floatOutput ? "DEQUANTIZE at the output" : ""), g.input.quant, g.output.quant);
            }
            System.out.printf("MACs %,d (backbone %,d = %.2f M, classifier excluded), backbone convs %d%n", macs,
                    backboneMacs, backboneMacs / 1e6, convs);
            System.out.printf("weights (flash) %,d bytes; peak inference activations %,d bytes at op %d%n",
                    weightBytes, mem.peakBytes(), mem.peakOp());
        }
        return 0;
    }

    /** One layer's line of the table and its JSON object. */
    private static ObjectNode row(StringBuilder table, ArrayNode layers, int i, String kind, String name, Tensor in,
            Tensor out, long params, long macs, long act) {
        table.append(String.format("%-4d %-18s %-22s %-16s %-16s %10d %12d %10d%n", i, kind, trim(name), shape(in),
                shape(out), params, macs, act));
        ObjectNode l = layers.addObject();
        l.put("index", i);
        l.put("op", kind);
        l.put("name", name);
        l.set("input_shape", Json.MAPPER.valueToTree(in.shape));
        l.set("output_shape", Json.MAPPER.valueToTree(out.shape));
        l.put("params", params);
        l.put("macs", macs);
        l.put("activation_bytes", act);
        return l;
    }

    private static String trim(String s) {
        return s.length() <= 22 ? s : s.substring(0, 10) + ".." + s.substring(s.length() - 10);
    }

    private static String shape(Tensor t) {
        return Arrays.toString(t.shape).replace(" ", "");
    }
}
