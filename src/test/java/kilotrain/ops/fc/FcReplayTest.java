package kilotrain.ops.fc;

import kilotrain.device.ReplayCase;
import org.junit.jupiter.api.Test;

/**
 * Golden vectors of the fc folder: the fully connected layers of TFLite Micro's hello_world, recorded by the
 * Java executor in a real training step, give the same bits in the generated C on the host and on QEMU's Cortex-M7,
 * instruction by instruction (docs/architecture.md, "Golden vectors: trace and replay").
 */
class FcReplayTest {
    @Test
    void replaysBitExactOnHostAndQemu() {
        ReplayCase.replayFolder(ReplayCase.REGRESS, "fc");
    }
}
