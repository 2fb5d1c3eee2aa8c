package kilotrain.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import kilotrain.compiler.Scheme;
import kilotrain.device.Board;
import kilotrain.device.DeviceDemo;
import kilotrain.device.DeviceDemoRun;
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

    @Option(names = "--new-class", paramLabel = "DIR", description = "A class the pretrained model has never seen: "
            + "the head gets one output more (class number --classes), learned from the images of the dataset DIR (all "
            + "of its labels as that one class, e.g. ../shared/data/mnist digits for the CIFAR-10 ResNet-8); every "
            + "(classes + 1)-th sample of the stream and of the held-out set is one of them.")
    Path newClass;

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
        Path dir = device.projectDir("kilotrain-demo");
        DeviceDemoRun.Outcome out = new DeviceDemoRun(model.model, model.scheme, classes, device.step.head::resolve,
                device.dataDir(), newClass, device.step.input::spec, options, device.lr, device.lowering.settings(),
                stream, heldOut, every, cut, dir, device.timeout, b).run();
        DeviceDemo.Result r = out.result();
        int newHeld = out.newHeld(), newCorrect = out.newCorrect(), newLearned = out.newLearned();
        Scheme s = out.scheme();
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
            if (newClass != null) {
                o.put("new_class", newClass.toString());
                o.put("new_class_index", classes);
                o.put("new_class_learned", newLearned);
                o.put("new_class_held_out", newHeld);
                o.put("new_class_device_correct", newCorrect);
            }
            o.put("accumulate", options.deviceBatch());
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
            if (newClass != null) {
                System.out.printf("new class %d (%s, never seen by the pretrained model): %d samples learned, held-out "
                        + "%d / %d on the device%n", classes, newClass, newLearned, newCorrect, newHeld);
            }
            System.out.printf("ticks_per_sample %d, max ticks per save %d%nbit_exact %b%s%nproject %s (demo.log)%n",
                    r.ticksPerSample(), r.ticksPerSave(), r.bitExact(), r.mismatch() == null ? ""
                            : " (" + r.mismatch() + ")", dir);
        }
        return r.bitExact() && r.deviceCorrect() == r.twinCorrect() ? 0 : 1;
    }
}
