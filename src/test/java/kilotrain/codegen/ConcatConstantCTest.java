package kilotrain.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;
import kilotrain.exec.Executor;
import kilotrain.importer.tflite.ConcatConstantModel;
import kilotrain.importer.tflite.TfliteImporter;
import kilotrain.ir.Graph;
import kilotrain.ops.concat.ConcatFwd;
import kilotrain.ops.concat.Concatenation;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CONCATENATION with a model constant ({@link ConcatConstantModel}, the constant after and before the activation):
 * the forward puts the constant's bytes at their place on every input; in training (scheme full, the gradient
 * crossing the concatenation to the first layer, none to the constant) the generated C trains bit for bit like Java on
 * host gcc, the constant read from flash, and the concatenation replays bit for bit per instruction on host gcc and
 * QEMU's mps2-an500.
 */
class ConcatConstantCTest {
    @Test
    void forwardPlacesTheConstant() {
        for (boolean first : new boolean[] {false, true}) {
            Graph g = TfliteImporter.parse("concat-const.tflite", ConcatConstantModel.model(first));
            Concatenation c = (Concatenation) g.ops.get(1);
            assertTrue(c.parts.get(first ? 0 : 1).isConstant());
            Executor ex = new Executor(g);
            Random r = new Random(2);
            for (int it = 0; it < 5; it++) {
                byte[] x = new byte[8];
                r.nextBytes(x);
                ex.run(x);
                byte[] cat = ex.view(c.output);
                byte[] k = new byte[3];
                System.arraycopy(cat, first ? 0 : 6, k, 0, 3);
                assertArrayEquals(ConcatConstantModel.CONSTANT, k);
            }
        }
    }

    @Test
    void trainsOnHostGccAndReplaysOnQemu(@TempDir Path dir) throws Exception {
        CBuild.requireTool("gcc");
        CBuild.requireTool("arm-none-eabi-gcc");
        CBuild.requireTool("qemu-system-arm");
        for (boolean first : new boolean[] {false, true}) {
            String name = "concat-const-" + (first ? "first" : "last");
            Program p = OperatorTrainingCTest.program(ConcatConstantModel.model(first), name);
            ConcatFwd f = (ConcatFwd) p.step.stream().filter(i -> i instanceof ConcatFwd).findFirst().orElseThrow();
            assertEquals(1, f.reads().size(), "the constant is no buffer");
            assertEquals(1, p.step.stream().filter(i -> i.op().startsWith("concat_grad")).count(),
                    "a gradient for the activation part only");
            OperatorTrainingCTest.host(dir.resolve(name), ConcatConstantModel.model(first), name, "concat_grad");
            java.util.function.IntPredicate concat = i -> p.step.get(i).getClass().getPackageName().endsWith(".concat");
            kilotrain.device.InstrReplay.check(p, new TrainState(p, OperatorTrainingCTest.OPTIONS),
                    OperatorTrainingCTest.inputs(p, 1).get(0), 2, 0.05f, concat, dir.resolve(name + "-replay"),
                    kilotrain.device.InstrReplay.Target.HOST, kilotrain.device.InstrReplay.Target.QEMU);
        }
    }
}
