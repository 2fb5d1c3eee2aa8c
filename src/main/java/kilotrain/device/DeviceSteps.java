package kilotrain.device;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.function.Consumer;
import kilotrain.KtException;
import kilotrain.compiler.memory.DevicePipeline;
import kilotrain.compiler.memory.DeviceProgram;
import kilotrain.data.SampleSource;
import kilotrain.model.DeviceImport;
import kilotrain.model.TrainedModel;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import kilotrain.util.AtomicFiles;

/**
 * {@code train --device-steps K} as one call: the host fine-tune's parameters go into the Cortex-M7 C project, which
 * goes on training for K steps in QEMU, bit for bit against the Java twin; what the board trained comes back as a
 * model.
 */
public final class DeviceSteps {
    /** Samples embedded in the device program; the K steps cycle over them. */
    public static final int MAX_SAMPLES = 4;
    /** The model the board's parameters make, in the project folder. */
    public static final String MODEL = "model.ktm";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param result   the device run
     * @param imported what the board trained on top of the host's model (null unless bit-exact)
     * @param model    where {@code imported}'s model was saved (null unless bit-exact)
     */
    public record Outcome(DeviceBench.Result result, DeviceImport.Result imported, Path model) {
    }

    private DeviceSteps() {
    }

    /**
     * Runs {@code steps} steps of {@code program} from the host's {@code trained} parameters on the default board, on
     * training samples of {@code src} (one per class in turn; a regression's first ones with their targets), the
     * project in {@code projectDir}; {@code startModel} is the host's model file the board's parameters are read into.
     */
    public static Outcome run(Program program, TrainState trained, SampleSource src, int steps, float lr,
            Path projectDir, Path startModel) {
        if (steps < 1) {
            throw new KtException("--device-steps must be at least 1, got " + steps);
        }
        int count = Math.min(steps, MAX_SAMPLES);
        DeviceSamples samples = program.regress() && !program.autoencoder()
                ? DeviceSamples.targets(src, program.input.elements, count, false)
                : DeviceSamples.training(src, program.input.elements, Integer.MAX_VALUE, count);
        DeviceProgram dp = DevicePipeline.lower(program, trained.options(), lr, DevicePipeline.Settings.device());
        DeviceBench.Result r = DeviceBench.run(dp, () -> DeviceBench.copy(program, trained), samples.inputs(),
                samples.labels(), samples.targets(), steps, projectDir, 1800, Board.DEFAULT);
        if (!r.bitExact()) {
            return new Outcome(r, null, null);
        }
        // what the board trained, as a model: its own parameter dump on top of the host's fine-tuned model
        DeviceImport.Result imported = DeviceImport.read(TrainedModel.load(startModel),
                projectDir.resolve(DeviceBench.LOG));
        Path deviceModel = projectDir.resolve(MODEL);
        imported.model().save(deviceModel);
        return new Outcome(r, imported, deviceModel);
    }

    /**
     * {@link #run} as {@code train --device-steps K} reports it: the figures written to {@code jsonFile} (and
     * returned), a summary on {@code log}; fails when the board's steps differ from the host twin's.
     */
    public static ObjectNode report(Program program, TrainState trained, SampleSource src, int steps, float lr,
            Path projectDir, Path jsonFile, Path startModel, Consumer<String> log) {
        log.accept(String.format("device: compiling the fine-tuned step for Cortex-M7 and training %d steps in QEMU "
                + "(mps2-an500, -icount shift=0) ...", steps));
        Outcome out = run(program, trained, src, steps, lr, projectDir, startModel);
        DeviceBench.Result r = out.result();
        ObjectNode o = JSON.createObjectNode();
        o.put("steps", steps);
        o.put("lr", lr);
        r.putInto(o, projectDir);
        if (out.imported() != null) {
            o.put("model", out.model().toString());
            o.put("changed_values", out.imported().changedValues());
        }
        try {
            AtomicFiles.writeString(jsonFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        log.accept(String.format("device: %d steps on the emulated Cortex-M7: %,d ticks per step, %,d ticks per "
                + "inference; SRAM %,d B (data %,d + bss %,d + peak stack %,d) of 262,144; flash %,d B of 1,048,576; "
                + "bit-exact with the host twin: %b%s", steps, r.ticksPerStep(), r.ticksPerInference(), r.sramBytes(),
                r.dataBytes(), r.bssBytes(), r.stackBytes(), r.flashBytes(), r.bitExact(),
                r.mismatch() == null ? "" : " (" + r.mismatch() + ")"));
        log.accept(String.format("device: C project (make / make cortex-m7 / make qemu) in %s", projectDir));
        if (out.imported() != null) {
            log.accept(String.format("device: the parameters it trained (%,d of %,d values changed in %d steps) saved "
                    + "as %s", out.imported().changedValues(), out.imported().values(), steps, out.model()));
        }
        if (!r.bitExact()) {
            throw new KtException("the device run differs from the host twin: " + r.mismatch() + " (project kept in "
                    + projectDir + ")");
        }
        return o;
    }
}
