package kilotrain.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import kilotrain.model.PredictRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Classify images or raw tensor files (.int8/.bin: exactly the input tensor's bytes, NCHW for "
                + ".pkl models, NHWC for .tflite; for a float-interface model, its quantized int8 input). Models whose "
                + "input is not an image ([1, N], audio or sensor features) take raw tensor files or .npy samples. --json prints one "
                + "object per input (an array of them for several inputs).")
final class PredictCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Model: .tflite, the paper's .pkl, or a fine-tuned .ktm.")
    Path model;

    @Parameters(index = "1..*", arity = "1..*", description = "Input images or raw tensor files.")
    List<Path> inputs;

    @Option(names = "--top", defaultValue = "5", description = "Classes to print per input (default ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--raw-output", description = "Write the output tensor's bytes (of the last input) to this file: "
            + "int8, or float32 little-endian for a model with a float output (DEQUANTIZE last).")
    Path rawOutput;

    @Mixin
    JsonOption json;

    @Mixin
    InputOptions input;

    @Override
    public Integer call() {
        Checks.atLeast("--top", top, 1);
        Checks.outFile("--raw-output", rawOutput);
        ArrayNode all = Json.MAPPER.createArrayNode();
        new PredictRun(model, inputs, input, rawOutput).run(r -> {
            if (json.json) {
                ObjectNode o = all.addObject();
                o.put("input", r.input().toString());
                ArrayNode out = o.putArray("output");
                if (r.raw().length == r.scores().length) {
                    for (byte b : r.raw()) {
                        out.add(b);
                    }
                }
                ArrayNode sc = o.putArray("scores");
                for (float f : r.scores()) {
                    sc.add(f);
                }
                o.put("top1", r.order().get(0));
                o.put("top1_class", r.classes().get(r.order().get(0)));
            } else {
                StringBuilder sb = new StringBuilder(r.input().toString()).append(':');
                for (int k = 0; k < Math.min(top, r.order().size()); k++) {
                    int c = r.order().get(k);
                    sb.append(String.format("  %s=%.4f", r.classes().get(c), r.scores()[c]));
                }
                System.out.println(sb);
            }
        });
        if (json.json) {
            System.out.println(Json.write(all.size() == 1 ? all.get(0) : all));
        }
        return 0;
    }
}
