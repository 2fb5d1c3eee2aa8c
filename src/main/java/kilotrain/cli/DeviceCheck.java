package kilotrain.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import kilotrain.KtException;
import kilotrain.compiler.memory.DeviceProgram;
import kilotrain.compiler.memory.DevicePipeline;
import kilotrain.device.Board;
import kilotrain.device.DeviceBench;
import kilotrain.data.SampleSource;
import kilotrain.program.TrainState;
import kilotrain.model.DeviceImport;
import kilotrain.model.TrainedModel;
import kilotrain.program.Program;
import kilotrain.util.AtomicFiles;

/**
 * The end of {@code train --device-steps K}: the host fine-tune's parameters go into the Cortex-M7 C project, which
 * goes on training for K steps in QEMU, bit for bit against the Java twin, so one command answers "what accuracy, how
 * much memory, how fast on the device".
 */
final class DeviceCheck {
    /** Images embedded in the device program; K steps cycle over them. */
    private static final int MAX_SAMPLES = 4;

    private DeviceCheck() {
    }

    static ObjectNode run(Program program, TrainState trained, SampleSource src, int steps, float lr, Path projectDir,
            Path jsonFile, Path startModel) {
        if (steps < 1) {
            throw new KtException("--device-steps must be at least 1, got " + steps);
        }
        List<byte[]> inputs = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<float[]> targets = new ArrayList<>();
        if (program.regress() && !program.autoencoder()) {
            pickTargetSamples(src, program.input.elements, Math.min(steps, MAX_SAMPLES), false, inputs, labels,
                    targets);
        } else {
            pickTrainingSamples(src, program.input.elements, Math.min(steps, MAX_SAMPLES), inputs, labels);
        }
        System.err.printf("device: compiling the fine-tuned step for Cortex-M7 and training %d steps in QEMU "
                + "(mps2-an500, -icount shift=0) ...%n", steps);
        DeviceProgram dp = DevicePipeline.lower(program, trained.options(), lr, DevicePipeline.Settings.device());
        DeviceBench.Result r = DeviceBench.run(dp, () -> DeviceBench.copy(program, trained), inputs,
                labels.stream().mapToInt(Integer::intValue).toArray(), targets.isEmpty() ? null
                        : targets.toArray(new float[0][]), steps, projectDir, 1800, Board.DEFAULT);
        ObjectNode o = Json.object();
        o.put("steps", steps);
        o.put("lr", lr);
        DeviceBenchCommand.putResult(o, r, projectDir);
        Path deviceModel = projectDir.resolve("model.ktm");
        DeviceImport.Result imported = null;
        if (r.bitExact()) {
            // what the board trained, as a model: its own parameter dump on top of the host's fine-tuned model
            imported = DeviceImport.read(TrainedModel.load(startModel), projectDir.resolve(DeviceBench.LOG));
            imported.model().save(deviceModel);
            o.put("model", deviceModel.toString());
            o.put("changed_values", imported.changedValues());
        }
        AtomicFiles.writeString(jsonFile, Json.write(o));
        System.err.printf("device: %d steps on the emulated Cortex-M7: %,d ticks per step, %,d ticks per inference; "
                + "SRAM %,d B (data %,d + bss %,d + peak stack %,d) of 262,144; flash %,d B of 1,048,576; "
                + "bit-exact with the host twin: %b%s%n", steps, r.ticksPerStep(), r.ticksPerInference(), r.sramBytes(),
                r.dataBytes(), r.bssBytes(), r.stackBytes(), r.flashBytes(), r.bitExact(),
                r.mismatch() == null ? "" : " (" + r.mismatch() + ")");
        System.err.printf("device: C project (make / make cortex-m7 / make qemu) in %s%n", projectDir);
        if (imported != null) {
            System.err.printf("device: the parameters it trained (%,d of %,d values changed in %d steps) saved as %s%n",
                    imported.changedValues(), imported.values(), steps, deviceModel);
        }
        if (!r.bitExact()) {
            throw new KtException("the device run differs from the host twin: " + r.mismatch() + " (project kept in "
                    + projectDir + ")");
        }
        return o;
    }

    /** The first {@code count} test images with a label below {@code classes} (the test-time transform). */
    static void pickTestSamples(SampleSource src, int elements, int classes, int count, List<byte[]> inputs,
            List<Integer> labels) {
        for (int i = 0; i < src.testSize() && inputs.size() < count; i++) {
            if (src.testLabel(i) < classes) {
                byte[] b = new byte[elements];
                src.fillTest(i, b);
                inputs.add(b);
                labels.add(src.testLabel(i));
            }
        }
    }

    /**
     * The first {@code count} samples of a regression's training part ({@code test}: of its test part) with their
     * targets (the test-time transform); the labels are 0.
     */
    static void pickTargetSamples(SampleSource src, int elements, int count, boolean test, List<byte[]> inputs,
            List<Integer> labels, List<float[]> targets) {
        int n = test ? src.testSize() : src.trainSize();
        for (int i = 0; i < n && inputs.size() < count; i++) {
            float[] t = test ? src.testTargets(i) : src.trainTargets(i);
            if (t == null) {
                throw new KtException("the samples have class labels; a regression steps on targets");
            }
            byte[] b = new byte[elements];
            if (test) {
                src.fillTest(i, b);
            } else {
                src.fillTrainPlain(i, b);
            }
            inputs.add(b);
            labels.add(0);
            targets.add(t);
        }
        if (inputs.isEmpty()) {
            throw new KtException("no " + (test ? "test" : "training") + " sample to run on the device");
        }
    }

    /** One training image per class in turn (the test-time transform, no augmentation), so the steps see every class. */
    static void pickTrainingSamples(SampleSource src, int elements, int count, List<byte[]> inputs, List<Integer> labels) {
        int classes = src.classes().size();
        boolean[] used = new boolean[src.trainSize()];
        while (inputs.size() < count) {
            int before = inputs.size();
            for (int c = 0; c < classes && inputs.size() < count; c++) {
                for (int i = 0; i < src.trainSize(); i++) {
                    if (!used[i] && src.trainLabel(i) == c) {
                        used[i] = true;
                        byte[] b = new byte[elements];
                        src.fillTrainPlain(i, b);
                        inputs.add(b);
                        labels.add(c);
                        break;
                    }
                }
            }
            if (inputs.size() == before) {
                break;
            }
        }
        if (inputs.isEmpty()) {
            throw new KtException("no training sample to run on the device");
        }
    }
}
