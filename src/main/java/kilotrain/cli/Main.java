package kilotrain.cli;

import kilotrain.KtException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code kilotrain} command line. Every command prints a clear error (no stack trace) and exits non-zero. */
@Command(name = "kilotrain", mixinStandardHelpOptions = true, version = "kilotrain 0.1.0",
        description = "Fine-tune int8 neural networks on microcontrollers, and simulate it bit for bit on the host.",
        subcommands = {InspectCommand.class, PredictCommand.class, EvalCommand.class, TrainCommand.class, CompileCommand.class, BenchCommand.class, DeviceBenchCommand.class, DeviceDemoCommand.class,
                AnalyzeCommand.class, PlanCommand.class, ImportParamsCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (tests call this). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("error: " + describe(ex));
            if (System.getenv("KILOTRAIN_DEBUG") != null) {
                ex.printStackTrace(cmd.getErr());
            }
            return ex instanceof KtException ? 1 : 2;
        });
        return cl.execute(args);
    }

    static String describe(Throwable ex) {
        if (ex instanceof KtException) {
            return ex.getMessage();
        }
        if (ex instanceof OutOfMemoryError) {
            return "out of memory (raise the heap with KILOTRAIN_JAVA_OPTS=-Xmx16g)";
        }
        return "internal error: " + ex + " (set KILOTRAIN_DEBUG=1 for the stack trace, and please report it)";
    }
}
