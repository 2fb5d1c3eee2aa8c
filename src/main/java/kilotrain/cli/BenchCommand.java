package kilotrain.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.Callable;
import kilotrain.bench.HostBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Host throughput ({@link HostBench}). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure host throughput (images/s) of inference and of the training step.")
final class BenchCommand implements Callable<Integer> {
    @Mixin
    StepModelOptions model;

    @Option(names = "--seconds", defaultValue = "10", description = "Timed seconds per measurement (default ${DEFAULT-VALUE}).")
    double seconds;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--profile", description = "Also print where one training step spends its time, by operation.")
    boolean profile;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() throws Exception {
        int classes = model.classes();
        Checks.positive("--seconds", seconds);
        int t = threads.count();
        HostBench.Result r = new HostBench(model.model, model.scheme, classes, seconds, t, profile)
                .run(System.err::println);
        if (json.json) {
            ObjectNode o = Json.object();
            o.put("model", model.model.toString());
            o.put("scheme", r.scheme().name);
            o.put("threads", t);
            o.put("inference_images_per_second", r.inference());
            o.put("training_images_per_second", r.training());
            if (profile) {
                o.set("training_step_microseconds_by_op", Json.MAPPER.valueToTree(r.microsByOp()));
            }
            System.out.println(Json.write(o));
        } else {
            System.out.printf("%s, %d threads: inference %.1f images/s; training step (%s) %.1f images/s%n", model.model, t,
                    r.inference(), r.scheme().name, r.training());
            if (profile) {
                System.out.println("one training step, microseconds by operation (single thread):");
                r.microsByOp().forEach((k, v) -> System.out.printf("  %-26s %10d%n", k, v));
            }
        }
        return 0;
    }
}
