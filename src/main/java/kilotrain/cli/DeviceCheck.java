package kilotrain.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import kilotrain.KtException;
import kilotrain.data.SampleSource;
import kilotrain.device.DeviceBench;
import kilotrain.device.DeviceSteps;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import kilotrain.util.AtomicFiles;

/** The end of {@code train --device-steps K} ({@link DeviceSteps}): its report in device.json and on stderr. */
final class DeviceCheck {
    private DeviceCheck() {
    }

    static ObjectNode run(Program program, TrainState trained, SampleSource src, int steps, float lr, Path projectDir,
            Path jsonFile, Path startModel) {
        System.err.printf("device: compiling the fine-tuned step for Cortex-M7 and training %d steps in QEMU "
                + "(mps2-an500, -icount shift=0) ...%n", steps);
        DeviceSteps.Outcome out = DeviceSteps.run(program, trained, src, steps, lr, projectDir, startModel);
        DeviceBench.Result r = out.result();
        ObjectNode o = Json.object();
        o.put("steps", steps);
        o.put("lr", lr);
        DeviceBenchCommand.putResult(o, r, projectDir);
        if (out.imported() != null) {
            o.put("model", out.model().toString());
            o.put("changed_values", out.imported().changedValues());
        }
        AtomicFiles.writeString(jsonFile, Json.write(o));
        System.err.printf("device: %d steps on the emulated Cortex-M7: %,d ticks per step, %,d ticks per inference; "
                + "SRAM %,d B (data %,d + bss %,d + peak stack %,d) of 262,144; flash %,d B of 1,048,576; "
                + "bit-exact with the host twin: %b%s%n", steps, r.ticksPerStep(), r.ticksPerInference(), r.sramBytes(),
                r.dataBytes(), r.bssBytes(), r.stackBytes(), r.flashBytes(), r.bitExact(),
                r.mismatch() == null ? "" : " (" + r.mismatch() + ")");
        System.err.printf("device: C project (make / make cortex-m7 / make qemu) in %s%n", projectDir);
        if (out.imported() != null) {
            System.err.printf("device: the parameters it trained (%,d of %,d values changed in %d steps) saved as %s%n",
                    out.imported().changedValues(), out.imported().values(), steps, out.model());
        }
        if (!r.bitExact()) {
            throw new KtException("the device run differs from the host twin: " + r.mismatch() + " (project kept in "
                    + projectDir + ")");
        }
        return o;
    }
}
