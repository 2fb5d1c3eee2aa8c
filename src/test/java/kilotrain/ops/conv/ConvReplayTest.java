package kilotrain.ops.conv;

import kilotrain.device.ReplayCase;
import org.junit.jupiter.api.Test;

/**
 * Golden vectors of the conv folder: every conv instruction of a ResNet-8 training step (forward, channel saves,
 * output, input, full and partial weight and bias gradients), recorded by the Java executor, gives the same bits in
 * the generated C on the host and on QEMU's Cortex-M7, instruction by instruction (docs/architecture.md, "Golden
 * vectors: trace and replay").
 */
class ConvReplayTest {
    @Test
    void replaysBitExactOnHostAndQemu() {
        ReplayCase.replayFolder(ReplayCase.COVER, "conv");
    }
}
