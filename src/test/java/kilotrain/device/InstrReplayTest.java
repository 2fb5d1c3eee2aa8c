package kilotrain.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import kilotrain.KtException;
import kilotrain.exec.StepTrace;
import kilotrain.ops.conv.ConvInputGrad;
import kilotrain.ops.loss.LossGrad;
import org.junit.jupiter.api.Test;

/**
 * The replay reports a divergence as it should: a record whose expected output is changed by one element (as a C
 * kernel computing one wrong value would show) fails on the host and on QEMU, naming the instruction, its operator
 * folder, the buffer and the first differing element with both values; a changed loss is named too.
 */
class InstrReplayTest {
    @Test
    void namesTheFirstDifferingElement() {
        kilotrain.codegen.CBuild.requireTool("gcc");
        kilotrain.codegen.CBuild.requireTool("arm-none-eabi-gcc");
        kilotrain.codegen.CBuild.requireTool("qemu-system-arm");
        ReplayCase.Step step = ReplayCase.step(ReplayCase.COVER);
        StepTrace.Record conv = step.records().stream().filter(r -> r.instr() instanceof ConvInputGrad).findFirst()
                .orElseThrow();
        StepTrace.Section out = conv.out().get(0);
        assertEquals('f', out.type());
        byte[] wrong = out.data().clone();
        int element = wrong.length / 4 / 2 + 1;
        wrong[4 * element + 3] ^= 0x40; // the float's exponent: a clearly different value
        List<StepTrace.Section> outs = new ArrayList<>(conv.out());
        outs.set(0, new StepTrace.Section(out.kind(), out.id(), out.type(), wrong));
        StepTrace.Record bad = new StepTrace.Record(conv.index(), conv.instr(), conv.label(), conv.targets(), conv.lr(),
                conv.lossBefore(), conv.lossAfter(), conv.in(), outs);
        StepTrace.Record loss = step.records().stream().filter(r -> r.instr() instanceof LossGrad).findFirst()
                .orElseThrow();
        StepTrace.Record badLoss = new StepTrace.Record(loss.index(), loss.instr(), loss.label(), loss.targets(),
                loss.lr(), loss.lossBefore(), Math.nextUp(loss.lossAfter()), loss.in(), loss.out());
        for (InstrReplay.Target t : InstrReplay.Target.values()) {
            InstrReplay.Result r = step.harness().replay(List.of(conv, bad, badLoss), t);
            assertEquals(3, r.records());
            assertFalse(r.ok());
            assertEquals(2, r.divergences().size(), r.divergences().toString());
            InstrReplay.Divergence d = r.divergences().get(0);
            assertEquals(conv.index(), d.index());
            assertEquals("conv_input_grad", d.op());
            assertEquals("conv", d.folder());
            assertEquals(element, d.element());
            float expected = java.nio.ByteBuffer.wrap(wrong).order(java.nio.ByteOrder.LITTLE_ENDIAN).getFloat(4 * element);
            assertTrue(d.expected().startsWith(Float.toString(expected)), d.toString());
            assertTrue(d.buffer().contains("grad"), d.toString());
            InstrReplay.Divergence l = r.divergences().get(1);
            assertEquals("loss", l.buffer());
            assertEquals("softmax_ce_grad", l.op());
            KtException e = assertThrows(KtException.class, r::assertOk);
            assertTrue(e.getMessage().contains("instruction " + conv.index() + " conv_input_grad (ops/conv)"),
                    e.getMessage());
            System.out.println(e.getMessage());
        }
    }

    /** The board table picks the emulated core: the conv and add records of the same step on the Cortex-M55. */
    @Test
    void replaysOnAnotherBoard() {
        kilotrain.codegen.CBuild.requireTool("arm-none-eabi-gcc");
        kilotrain.codegen.CBuild.requireTool("qemu-system-arm");
        ReplayCase.Step step = ReplayCase.step(ReplayCase.COVER);
        List<StepTrace.Record> chosen = step.records().stream()
                .filter(r -> List.of("conv", "add").contains(ReplayCase.folder(r.instr()))).toList();
        InstrReplay.Result r = step.harness(Board.named("mps3-an547")).replay(chosen, InstrReplay.Target.QEMU);
        r.assertOk();
        assertEquals(chosen.size(), r.records());
        System.out.printf("replay on mps3-an547: %d instructions in %.2f s (build %.1f s)%n", r.records(), r.seconds(),
                r.buildSeconds());
    }
}
