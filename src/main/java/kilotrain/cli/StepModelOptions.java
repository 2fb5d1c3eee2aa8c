package kilotrain.cli;

import java.nio.file.Path;
import java.util.function.Function;
import kilotrain.compiler.Scheme;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.program.Program;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The model, the scheme and the head's classes of a training step (compile, bench, device-bench, device-demo). */
final class StepModelOptions {
    @Parameters(index = "0", description = "Model file (.tflite or the paper's .pkl).")
    Path model;

    @Option(names = "--scheme", defaultValue = "classifier-only", description = "Sparse-update scheme (see train).")
    String scheme;

    @Option(names = "--classes", description = "Classes of the new head (default 10).")
    Integer classes;

    /** --classes, checked; 10 when not given. */
    int classes() {
        int n = classes == null ? 10 : classes;
        Checks.classes("--classes", n);
        return n;
    }

    /** The model, its scheme and the compiled step: what every command of the device's step starts from. */
    record Step(Graph graph, Scheme scheme, Program program) {
    }

    /** With the head {@code head} resolves for the model (bench: the float head). */
    Step compile(int classes, Function<Graph, TrainSpec.Head> head) {
        Graph g = ModelLoader.load(model);
        Scheme s = Scheme.resolve(scheme, TrainCompiler.backboneConvs(g).size());
        return new Step(g, s, TrainCompiler.compile(g, new TrainSpec(s, classes, 0, head.apply(g))));
    }
}
