package kilotrain.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import kilotrain.KtException;
import kilotrain.model.ImportParamsRun;
import kilotrain.model.TrainedModel;
import kilotrain.ops.core.Param;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        String name = out.getFileName().toString();
        if (!name.endsWith(".tflite") && !name.endsWith(".ktm")) {
            throw new KtException("--out " + out + ": name it .ktm (a kilotrain model) or .tflite");
        }
        Checks.outFile("--out", out);
        ImportParamsRun.Outcome done = new ImportParamsRun(start, params, out).run();
        TrainedModel from = done.from();
        ObjectNode report = Json.object();
        report.put("start", start.toString());
        report.put("params_file", params.toString());
        report.put("params_bytes", done.paramsBytes());
        ArrayNode list = report.putArray("params");
        for (int i = 0; i < from.program.params.size(); i++) {
            Param p = from.program.params.get(i);
            ObjectNode n = list.addObject();
            n.put("name", p.name);
            n.put("elements", p.value.elements);
            n.put("changed", done.imported().changed()[i]);
        }
        long changed = done.imported().changedValues(), total = done.imported().values();
        report.put("values", total);
        report.put("changed_values", changed);
        report.put("out", out.toString());
        if (json.json) {
            System.out.println(Json.write(report));
        } else {
            System.out.printf("%d parameters (%,d bytes) from %s: %,d of %,d values differ from %s; model written to "
                    + "%s%n", from.program.params.size(), done.paramsBytes(), params, changed, total, start, out);
        }
        return 0;
    }
}
