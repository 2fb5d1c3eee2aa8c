package kilotrain.codegen;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import kilotrain.ops.tflite.schema.BuiltinOptions;
import kilotrain.ops.tflite.schema.ReducerOptions;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MEAN over axes other than H and W in the training step: a network written with kilotrain's TFLite writer (a 3x3
 * conv on [1, 7, 5, 3], MEAN over W alone (requantized, keep_dims: [1, 7, 1, 6]), MEAN over the channels (zero point
 * 127 in, -128 out), an int8 classifier), trained with the gradient crossing both: the generated C trains bit for bit
 * like Java on host gcc, and every MEAN instruction replays bit for bit on host gcc and QEMU's mps2-an500.
 */
class MeanAxesCTest {
    static byte[] model() {
        return OperatorTrainingCTest.start()
                .op(40, new int[] {1, 7, 1, 6}, 0.04f, 127, new int[][] {{2}}, BuiltinOptions.ReducerOptions,
                        b -> ReducerOptions.createReducerOptions(b, true))
                .op(40, new int[] {1, 7, 1, 1}, 0.03f, -128, new int[][] {{-1}}, BuiltinOptions.ReducerOptions,
                        b -> ReducerOptions.createReducerOptions(b, true))
                .classifier(OperatorTrainingCTest.CLASSES);
    }

    @Test
    void onHostGccAndPerInstructionOnQemu(@TempDir Path dir) throws Exception {
        CBuild.requireTool("gcc");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        Program p = OperatorTrainingCTest.program(model(), "mean-axes");
        long means = p.step.stream().filter(i -> i.op().startsWith("mean_grad")).count();
        assertTrue(means == 2, "both MEANs pass the gradient back: " + means);
        assertTrue(p.step.stream().anyMatch(i -> i instanceof kilotrain.ops.mean.MeanFwd f && f.mean().count == 5
                && f.mean().inner == 6), "the mean over W alone");
        OperatorTrainingCTest.host(dir.resolve("host"), model(), "mean-axes", "mean_grad");
        java.util.function.IntPredicate mean = i -> p.step.get(i).getClass().getPackageName().endsWith(".mean");
        kilotrain.device.InstrReplay.check(p, new TrainState(p, OperatorTrainingCTest.OPTIONS),
                OperatorTrainingCTest.inputs(p, 1).get(0), 2, 0.05f, mean, dir.resolve("replay"),
                kilotrain.device.InstrReplay.Target.HOST, kilotrain.device.InstrReplay.Target.QEMU);
    }

}
