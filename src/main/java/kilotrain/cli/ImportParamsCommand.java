package kilotrain.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import kilotrain.KtException;
import kilotrain.codegen.ParamDump;
import kilotrain.ir.Graph;
import kilotrain.model.DeviceImport;
import kilotrain.model.TfliteExport;
import kilotrain.model.TrainedModel;
import kilotrain.ops.core.Param;
import kilotrain.util.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The way back from the device: the parameters a board trained (what {@code kt_export_params} wrote, as binary or as
 * the hex its firmware printed) become a model file that {@code predict}, {@code eval} and {@code train} read, or a
 * TFLite model for TFLite inputs with an int8 head.
 */
@Command(name = "import-params", mixinStandardHelpOptions = true,
        description = "Make a model file from the parameters a device trained: the bytes kt_export_params wrote "
                + "(binary, or hex text such as the 'params ...' block of a device log) on top of the model its C "
                + "project started from (compile --out DIR writes DIR/start.ktm; train --device-steps starts from "
                + "the run's model.ktm).")
final class ImportParamsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "START", description = "The .ktm model the device's program was compiled from.")
    Path start;

    @Parameters(index = "1", paramLabel = "PARAMS", description = "The exported parameters: binary or hex text.")
    Path params;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "The model to write: FILE.ktm, or FILE.tflite (TFLite base model with an int8 head).")
    Path out;

    @Option(names = "--json", description = "Print JSON: parameters, bytes, changed values per parameter.")
    boolean json;

    @Override
    public Integer call() {
        String name = out.getFileName().toString();
        boolean tflite = name.endsWith(".tflite");
        if (!tflite && !name.endsWith(".ktm")) {
            throw new KtException("--out " + out + ": name it .ktm (a kilotrain model) or .tflite");
        }
        AtomicFiles.checkNotInput(out, start, params);
        Checks.outFile("--out", out);
        if (!TrainedModel.looksLike(start)) {
            throw new KtException(start + " is not a kilotrain model (.ktm): give the start.ktm that compile --out "
                    + "wrote beside the C project, or the model.ktm the device program was made from");
        }
        TrainedModel from = TrainedModel.load(start);
        DeviceImport.Result imported = DeviceImport.read(from, params);
        TrainedModel trained = imported.model();
        ObjectNode report = Json.object();
        report.put("start", start.toString());
        report.put("params_file", params.toString());
        report.put("params_bytes", ParamDump.bytes(from.program));
        ArrayNode list = report.putArray("params");
        for (int i = 0; i < from.program.params.size(); i++) {
            Param p = from.program.params.get(i);
            ObjectNode n = list.addObject();
            n.put("name", p.name);
            n.put("elements", p.value.elements);
            n.put("changed", imported.changed()[i]);
        }
        long changed = imported.changedValues(), total = imported.values();
        if (tflite) {
            if (from.graph.source != Graph.Source.TFLITE || !(from.program.int8Head() || from.program.keepsClassifier())) {
                throw new KtException("--out " + out + ": a TFLite model needs a TFLite base model and an int8 head ("
                        + from.baseName + ", " + (from.program.int8Head() ? "int8" : "float32") + " head); write .ktm");
            }
            byte[] bytes = TfliteExport.write(from.baseBytes, from.graph, from.program, trained.state);
            AtomicFiles.write(out, os -> os.write(bytes));
        } else {
            trained.save(out);
        }
        report.put("values", total);
        report.put("changed_values", changed);
        report.put("out", out.toString());
        if (json) {
            System.out.println(Json.write(report));
        } else {
            System.out.printf("%d parameters (%,d bytes) from %s: %,d of %,d values differ from %s; model written to "
                    + "%s%n", from.program.params.size(), ParamDump.bytes(from.program), params, changed, total, start, out);
        }
        return 0;
    }
}
