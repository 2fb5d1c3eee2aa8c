package kilotrain.cli;

import picocli.CommandLine.Option;

/** {@code --threads}: worker threads of a host run; results never depend on it. */
final class ThreadsOption {
    @Option(names = "--threads", description = "Worker threads (default: all cores). Results do not depend on it.")
    Integer threads;

    /** Checks the value before any work. */
    void check() {
        Checks.threads(threads);
    }

    /** The threads to use: the option, or every core. */
    int count() {
        check();
        return threads != null ? threads : Runtime.getRuntime().availableProcessors();
    }
}
