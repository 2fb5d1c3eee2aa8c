package kilotrain.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import kilotrain.data.Dataset;
import kilotrain.data.LoadOptions;
import picocli.CommandLine.Option;

/** How sample files are read besides their limits (train, analyze, eval): CSV columns, unreadable samples. */
final class SampleOptions {
    /** Skipped samples named on stderr; metrics.json and --json list them all. */
    private static final int LISTED = 10;

    @Option(names = "--skip-bad-samples", description = "Leave out sample files that cannot be read (corrupt images, "
            + "tensor files of the wrong size, bad .npy files or CSV rows), count and name them on stderr and in the "
            + "JSON output (default: stop at the first one, naming it).")
    boolean skip;

    @Option(names = "--label-column", paramLabel = "NAME", description = "CSV datasets: the column holding the class "
            + "label (default: the column named 'label').")
    String labelColumn;

    @Option(names = "--target-columns", split = ",", paramLabel = "NAME", description = "CSV datasets: the columns "
            + "holding regression targets, e.g. y1,y2 (instead of a label column). Every other column is an input "
            + "value.")
    List<String> targetColumns;

    LoadOptions apply(LoadOptions o) {
        if (labelColumn != null && targetColumns != null) {
            throw new kilotrain.KtException("--label-column and --target-columns exclude each other");
        }
        return o.withOnUnreadable(skip ? LoadOptions.OnUnreadable.SKIP : LoadOptions.OnUnreadable.FAIL)
                .withColumns(labelColumn, targetColumns);
    }

    /** The skipped samples of the given parts (nulls ignored), each "file: reason". */
    static List<String> skipped(Dataset... parts) {
        List<String> all = new ArrayList<>();
        for (Dataset d : parts) {
            if (d != null) {
                all.addAll(d.skipped());
            }
        }
        return all;
    }

    /** Records the count and every skipped sample in {@code json}. */
    static void put(List<String> skipped, ObjectNode json) {
        json.put("skipped_samples", skipped.size());
        json.set("skipped", Json.MAPPER.valueToTree(skipped));
    }

    /** Prints the count and the first few skipped samples to stderr. */
    static void print(List<String> skipped) {
        if (skipped.isEmpty()) {
            return;
        }
        System.err.printf("skipped %d unreadable sample(s) (--skip-bad-samples):%n", skipped.size());
        for (int i = 0; i < Math.min(LISTED, skipped.size()); i++) {
            System.err.println("  " + skipped.get(i));
        }
        if (skipped.size() > LISTED) {
            System.err.printf("  ... and %d more (all listed in the JSON output)%n", skipped.size() - LISTED);
        }
    }
}
