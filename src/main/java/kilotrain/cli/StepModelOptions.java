package kilotrain.cli;

import java.nio.file.Path;
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
}
