package kilotrain.device;

import java.nio.file.Path;
import kilotrain.KtException;
import kilotrain.compiler.memory.DevicePipeline;
import kilotrain.compiler.memory.DeviceProgram;
import kilotrain.data.SampleSource;
import kilotrain.model.DeviceImport;
import kilotrain.model.TrainedModel;
import kilotrain.program.Program;
import kilotrain.program.TrainState;

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
}
