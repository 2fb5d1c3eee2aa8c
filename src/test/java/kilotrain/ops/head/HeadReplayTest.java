package kilotrain.ops.head;

import kilotrain.device.ReplayCase;
import org.junit.jupiter.api.Test;

/**
 * Golden vectors of the head folder: the new float head of a ResNet-8 step (forward and backward) and the new int8
 * head of another, recorded by the Java executor, give the same bits in the generated C on the host and on QEMU's
 * Cortex-M7, instruction by instruction (docs/architecture.md, "Golden vectors: trace and replay").
 */
class HeadReplayTest {
    @Test
    void floatHead() {
        ReplayCase.replayFolder(ReplayCase.COVER, "head");
    }

    @Test
    void int8Head() {
        ReplayCase.replayFolder(ReplayCase.INT8_HEAD, "head");
    }
}
