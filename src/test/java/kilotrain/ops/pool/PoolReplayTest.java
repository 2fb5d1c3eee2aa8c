package kilotrain.ops.pool;

import kilotrain.device.ReplayCase;
import org.junit.jupiter.api.Test;

/**
 * Golden vectors of the pool folder: ResNet-8's global average pool, forward and backward, recorded by the Java
 * executor in a real training step, give the same bits in the generated C on the host and on QEMU's Cortex-M7,
 * instruction by instruction (docs/architecture.md, "Golden vectors: trace and replay").
 */
class PoolReplayTest {
    @Test
    void replaysBitExactOnHostAndQemu() {
        ReplayCase.replayFolder(ReplayCase.COVER, "pool");
    }
}
