package kilotrain.ops.add;

import kilotrain.device.ReplayCase;
import org.junit.jupiter.api.Test;

/**
 * Golden vectors of the add folder: the residual adds of a ResNet-8 step, forward and backward, recorded by the Java
 * executor in a real training step, give the same bits in the generated C on the host and on QEMU's Cortex-M7,
 * instruction by instruction (docs/architecture.md, "Golden vectors: trace and replay").
 */
class AddReplayTest {
    @Test
    void replaysBitExactOnHostAndQemu() {
        ReplayCase.replayFolder(ReplayCase.COVER, "add");
    }
}
