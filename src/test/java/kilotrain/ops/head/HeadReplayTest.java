package kilotrain.ops.head;

import kilotrain.device.ReplayCase;
import org.junit.jupiter.api.Test;

/**
 * Golden vectors of the head folder: the new float head of a ResNet-8 step (forward and backward), recorded by the
 * Java executor, gives the same bits in the generated C on the host and on QEMU's Cortex-M7, instruction by
 * instruction (docs/architecture.md, "Golden vectors: trace and replay"). A new int8 head's logits are
 * ops/dequantize's (DequantizeReplayTest).
 */
class HeadReplayTest {
    @Test
    void floatHead() {
        ReplayCase.replayFolder(ReplayCase.COVER, "head");
    }
}
