package kilotrain.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.program.Buf;
import kilotrain.program.Instr;
import kilotrain.program.Param;
import kilotrain.program.Program;
import kilotrain.train.Scheme;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "compile", mixinStandardHelpOptions = true,
        description = "Compile the training step of a model under a sparse-update scheme; --print lists its operations.")
final class CompileCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Model file (.tflite or the paper's .pkl).")
    Path model;

    @Option(names = "--scheme", defaultValue = "classifier-only", description = "Sparse-update scheme (see train).")
    String scheme;

    @Option(names = "--classes", defaultValue = "10", description = "Classes of the new head (default ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = "--print", description = "List the program's operations with the buffers they write and read.")
    boolean print;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
        Graph g = ModelLoader.load(model);
        Scheme s = Scheme.resolve(scheme, TrainCompiler.backboneConvs(g).size());
        Program p = TrainCompiler.compile(g, new TrainSpec(s, classes, 0));
        long trainable = 0;
        for (Param q : p.params) {
            trainable += q.value.bytes();
        }
        if (json) {
            ObjectNode o = Json.object();
            o.put("model", model.toString());
            o.put("scheme", s.name);
            o.put("operations", p.step.size());
            o.put("trainable_sram_bytes", trainable);
            ArrayNode ops = o.putArray("program");
            for (Instr in : p.step) {
                ObjectNode n = ops.addObject();
                n.put("op", in.op());
                ArrayNode w = n.putArray("writes");
                in.writes().forEach(b -> w.add(describe(b)));
                ArrayNode r = n.putArray("reads");
                in.reads().forEach(b -> r.add(describe(b)));
            }
            System.out.println(Json.write(o));
            return 0;
        }
        if (print) {
            System.out.print(p.listing());
        }
        System.out.printf("%s, scheme %s: %d operations, %d trained parameters (%,d bytes in SRAM)%n", model, s,
                p.step.size(), p.params.size(), trainable);
        return 0;
    }

    private static String describe(Buf b) {
        return b.toString();
    }
}
