package kilotrain.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import kilotrain.compiler.Scheme;
import kilotrain.data.DatasetSplit;
import kilotrain.data.LoadOptions;
import kilotrain.data.SampleSource;
import kilotrain.data.TestTransform;
import kilotrain.data.TrainAugment;
import kilotrain.device.Board;
import kilotrain.device.DeviceDemo;
import kilotrain.compiler.memory.DeviceProgram;
import kilotrain.compiler.memory.DevicePipeline;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Learning on the emulated board across a reset, checked against the Java twin (kilotrain.device.DeviceDemo). */
@Command(name = "device-demo", mixinStandardHelpOptions = true,
        description = "The board learns a stream of labelled training images through the firmware library, saves every "
                + "K samples into flash kept in a file, loses power after C samples, boots again (QEMU restarted), "
                + "restores its last save, learns the rest and measures its accuracy on held-out test images; the Java "
                + "twin does the same and every loss, prediction and logit is compared bit for bit.")
final class DeviceDemoCommand implements Callable<Integer> {
    @Mixin
    StepModelOptions model;

    @Option(names = "--stream", defaultValue = "40", description = "Training samples learned on the device, one "
            + "image per class in turn (default ${DEFAULT-VALUE}).")
    int stream;

    @Option(names = "--held-out", defaultValue = "50", description = "Test images evaluated on the device after the "
            + "stream (default ${DEFAULT-VALUE}).")
    int heldOut;

    @Option(names = "--every", defaultValue = "10", description = "Save every K samples (default ${DEFAULT-VALUE}).")
    int every;

    @Option(names = "--cut", defaultValue = "25", description = "The power is cut after this many samples of the "
            + "first boot (default ${DEFAULT-VALUE}).")
    int cut;

    @Mixin
    DeviceRunOptions device;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() throws Exception {
        Board b = device.check();
        int classes = model.classes();
        Checks.atLeast("--stream", stream, 2);
        Checks.atLeast("--held-out", heldOut, 1);
        Checks.atLeast("--every", every, 1);
        TrainState.Options options = device.options();
        StepModelOptions.Step st = model.compile(classes, device.step.head::resolve);
        Program p = st.program();
        DatasetSplit split = DatasetSplit.open(device.dataDir(),
                LoadOptions.defaults().withLimitPerClass((stream + classes - 1) / classes),
                LoadOptions.defaults().withLimitPerClass((heldOut + classes - 1) / classes));
        SampleSource src = new SampleSource(split, device.step.input.spec(st.graph().input), TrainAugment.standard(),
                TestTransform.resize(), 0);
        List<byte[]> in = new ArrayList<>();
        List<Integer> lab = new ArrayList<>();
        DeviceCheck.pickTrainingSamples(src, p.input.elements, stream, in, lab);
        List<byte[]> test = new ArrayList<>();
        List<Integer> testLab = new ArrayList<>();
        DeviceCheck.pickTestSamples(src, p.input.elements, classes, heldOut, test, testLab);
        Path dir = device.projectDir("kilotrain-demo");
        DeviceProgram dp = DevicePipeline.lower(p, options, device.lr, device.lowering.settings());
        DeviceDemo.Result r = DeviceDemo.run(dp, in, lab.stream().mapToInt(Integer::intValue).toArray(), test,
                testLab.stream().mapToInt(Integer::intValue).toArray(), every, cut, b, dir, device.timeout);
        Scheme s = st.scheme();
        if (json.json) {
            ObjectNode o = Json.object();
            o.put("model", model.model.toString());
            o.put("scheme", s.name);
            o.put("board", b.name());
            o.put("stream", r.stream());
            o.put("every", r.every());
            o.put("cut", r.cut());
            o.put("resumed_from", r.resumedFrom());
            o.put("saves", r.saves());
            o.put("held_out", r.heldOut());
            o.put("device_correct", r.deviceCorrect());
            o.put("twin_correct", r.twinCorrect());
            o.put("ticks_per_sample", r.ticksPerSample());
            o.put("max_ticks_per_save", r.ticksPerSave());
            o.put("bit_exact", r.bitExact());
            if (r.mismatch() != null) {
                o.put("mismatch", r.mismatch());
            }
            o.put("project", dir.toString());
            System.out.println(Json.write(o));
        } else {
            System.out.printf("%s, scheme %s, on QEMU %s (%s): %d samples learned, saved every %d, power cut after %d, "
                    + "resumed from the save at %d (%d saves)%n", model.model, s.name, b.name(), b.core(), r.stream(),
                    r.every(), r.cut(), r.resumedFrom(), r.saves());
            System.out.printf("held-out accuracy on the device %d / %d (%.2f %%), Java twin %d / %d%n",
                    r.deviceCorrect(), r.heldOut(), 100.0 * r.deviceCorrect() / r.heldOut(), r.twinCorrect(),
                    r.heldOut());
            System.out.printf("ticks_per_sample %d, max ticks per save %d%nbit_exact %b%s%nproject %s (demo.log)%n",
                    r.ticksPerSample(), r.ticksPerSave(), r.bitExact(), r.mismatch() == null ? ""
                            : " (" + r.mismatch() + ")", dir);
        }
        return r.bitExact() && r.deviceCorrect() == r.twinCorrect() ? 0 : 1;
    }
}
