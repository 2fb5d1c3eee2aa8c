package kilotrain.ops.loss;

import kilotrain.device.ReplayCase;
import org.junit.jupiter.api.Test;

/**
 * Golden vectors of the loss folder: the softmax cross-entropy gradient of a ResNet-8 step (loss value included), recorded by the Java executor in a real training step,
 * give the same bits in the generated C on the host and on QEMU's Cortex-M7, instruction by instruction
 * (docs/architecture.md, "Golden vectors: trace and replay").
 */
class LossReplayTest {
    @Test
    void replaysBitExactOnHostAndQemu() {
        ReplayCase.replayFolder(ReplayCase.COVER, "loss");
    }
}
