package kilotrain.model;

import java.nio.file.Path;
import kilotrain.KtException;
import kilotrain.codegen.ParamDump;
import kilotrain.ir.Graph;
import kilotrain.util.AtomicFiles;

/**
 * {@code import-params} as one call: the parameters a board trained ({@code kt_export_params}'s bytes, binary or
 * hex) read on top of the model its C project started from ({@link DeviceImport}), written as a model file:
 * {@code .ktm}, or {@code .tflite} for a TFLite base model with an int8 head ({@link TfliteExport}). The output is
 * never one of the inputs.
 *
 * @param start  the .ktm the device's program was compiled from
 * @param params the exported parameters
 * @param out    the model to write: .tflite writes TFLite, any other name a .ktm
 */
public record ImportParamsRun(Path start, Path params, Path out) {

    /** What was imported: the start model, the import (per parameter: whether it changed) and the dump's size. */
    public record Outcome(TrainedModel from, DeviceImport.Result imported, long paramsBytes) {
    }

    public Outcome run() {
        AtomicFiles.checkNotInput(out, start, params);
        if (!TrainedModel.looksLike(start)) {
            throw new KtException(start + " is not a kilotrain model (.ktm): give the start.ktm that compile --out "
                    + "wrote beside the C project, or the model.ktm the device program was made from");
        }
        TrainedModel from = TrainedModel.load(start);
        DeviceImport.Result imported = DeviceImport.read(from, params);
        TrainedModel trained = imported.model();
        if (out.getFileName().toString().endsWith(".tflite")) {
            if (from.graph.source != Graph.Source.TFLITE || !(from.program.int8Head()
                    || from.program.keepsClassifier())) {
                throw new KtException("--out " + out + ": a TFLite model needs a TFLite base model and an int8 head ("
                        + from.baseName + ", " + (from.program.int8Head() ? "int8" : "float32") + " head); write .ktm");
            }
            byte[] bytes = TfliteExport.write(from.baseBytes, from.graph, from.program, trained.state);
            AtomicFiles.write(out, os -> os.write(bytes));
        } else {
            trained.save(out);
        }
        return new Outcome(from, imported, ParamDump.bytes(from.program));
    }
}
