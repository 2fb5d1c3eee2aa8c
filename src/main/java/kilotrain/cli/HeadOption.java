package kilotrain.cli;

import kilotrain.compiler.TrainSpec;
import kilotrain.ir.Graph;
import picocli.CommandLine.Option;

/**
 * The new classifier head. The two heads measured alike on the accuracy protocol (docs/training.md), so the default
 * follows what the user brought: a TFLite model gets the int8 head, whose fine-tuned model is pure int8 TFLite again;
 * the paper's models get the float32 head, as in the reference.
 */
final class HeadOption {
    @Option(names = "--head", defaultValue = "auto",
            description = "New classifier head: float (float32), int8 (an int8 fully connected layer, what a pure int8 "
                    + "device runs, written back as TFLite), or auto (default: int8 for a .tflite model, float for the "
                    + "paper's models).")
    String head;

    /** The head the user named; null for auto. */
    TrainSpec.Head asked() {
        return TrainSpec.Head.asked(head);
    }

    TrainSpec.Head resolve(Graph graph) {
        TrainSpec.Head a = asked();
        if (a != null) {
            return a;
        }
        return graph.source == Graph.Source.TFLITE ? TrainSpec.Head.INT8 : TrainSpec.Head.FLOAT;
    }
}
