package kilotrain.cli;

import picocli.CommandLine.Option;

/** {@code --json}: machine-readable output, one definition for every command that has it. */
final class JsonOption {
    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;
}
