package kilotrain.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import kilotrain.cli.Main;
import kilotrain.compiler.memory.DevicePipeline;
import kilotrain.device.Board;
import kilotrain.device.DeviceBench;
import kilotrain.model.TrainedModel;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gradient accumulation on the device (issue 23, {@code --accumulate B}): the generated step sums B samples'
 * gradients and updates on every B-th, with the device's rules (stochastic rounding, momentum, float master copies),
 * and the Java twin ({@code TrainState.learnSample}) does the same arithmetic in the same order: for B = 4 the host C
 * build and the QEMU Cortex-M7 build of one project give the Java twin's losses, parameters and logits bit for bit, and
 * both agree with each other. B = 1 emits no accumulation at all (today's step, its bits and its code).
 */
class DeviceBatchTest {
    @Test
    void batchOfFourIsBitExactOnHostAndQemu(@TempDir Path dir) throws Exception {
        CBuild.requireTool("gcc");
        CBuild.requireTool("make");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        // ResNet-8, last two convs with a float head, momentum: weights, biases, head, velocity and master copies
        Path start = dir.resolve("start");
        ImportParamsTest.stdout(() -> Main.run("compile", ImportParamsTest.RESNET.toString(), "--scheme", "last-k:2",
                "--head", "float", "--optimizer", "sgdm", "--classes", "10", "--target", "host", "--out",
                start.toString()));
        assertFalse(Files.readString(start.resolve("kt_model.c")).contains("kt_accumulate"), "B = 1 accumulates nothing");
        TrainedModel begin = TrainedModel.load(start.resolve("start.ktm"));
        Program p = begin.program;
        TrainState.Options options = begin.state.options().withDeviceBatch(4);
        int[] labels = new int[5];
        List<byte[]> inputs = CGeneratorTest.cifarTestSamples(begin.graph, labels);
        float lr = 0.05f;
        int steps = 10; // two whole batches and half of a third (its sums are not applied)

        Path project = dir.resolve("b4");
        DeviceBench.Result r = DeviceBench.run(DevicePipeline.lower(p, options, lr,
                DevicePipeline.Settings.device()), () -> new TrainState(p, options), inputs, labels, steps, project, 1800,
                Board.DEFAULT);
        assertTrue(r.bitExact(), "QEMU " + Board.DEFAULT.name() + ": " + r.mismatch());
        String model = Files.readString(project.resolve("kt_model.c"));
        assertTrue(model.contains("kt_accumulate(") && model.contains("_gsum["), "the step sums gradients");
        assertTrue(Files.readString(project.resolve("kt_model.h")).contains("#define KT_BATCH 4u"));

        // the same project built for the host: the same losses as the board, and the Java twin's parameters
        CBuild.run(project, List.of("make", "-s", "kt_host"), 600);
        CBuild.writeSamples(project.resolve("samples.bin"), inputs, labels);
        String out = CBuild.run(project, List.of("./kt_host", "samples.bin", Integer.toString(steps), "params.bin"),
                600);
        List<Integer> hostLoss = CBuild.losses(out);
        assertEquals(steps, r.losses().length);
        for (int k = 0; k < steps; k++) {
            assertEquals(Float.floatToRawIntBits(r.losses()[k]), (int) hostLoss.get(k), "host C vs QEMU, sample " + k);
        }
        Object[] cParams = CGenerator.readParams(p, Files.readAllBytes(project.resolve("params.bin")), "params.bin");
        CGeneratorTest.compareWithJava(p, new TrainState(p, options), lr, steps, hostLoss, cParams,
                CBuild.prediction(out), "ResNet-8 last-k:2 B=4", inputs, labels);

        // accumulation is not a batch-1 run: the twin with B = 1 ends elsewhere (the test can tell the two apart)
        TrainState one = new TrainState(p, options.withDeviceBatch(1)), four = new TrainState(p, options);
        twin(p, one, inputs, labels, lr, steps);
        twin(p, four, inputs, labels, lr, steps);
        boolean differ = false;
        for (var q : p.params) {
            differ |= !java.util.Objects.deepEquals(one.value(q), four.value(q));
        }
        assertTrue(differ, "B = 4 and B = 1 give the same parameters");
        assertEquals(2, four.batchFill(), "10 samples in batches of 4 leave two summed, not applied");
    }

    private static void twin(Program p, TrainState s, List<byte[]> inputs, int[] labels, float lr, int steps) {
        kilotrain.exec.TrainExecutor ex = new kilotrain.exec.TrainExecutor(p, s);
        kilotrain.exec.TrainExecutor.Workspace ws = ex.workspace();
        float[][] grads = new float[p.params.size()][];
        for (int i = 0; i < grads.length; i++) {
            grads[i] = new float[p.params.get(i).value.elements];
        }
        for (int k = 0; k < steps; k++) {
            ex.step(ws, inputs.get(k % inputs.size()), labels[k % inputs.size()]);
            ex.copyGradients(ws, grads);
            s.learnSample(grads, lr);
        }
    }
}
