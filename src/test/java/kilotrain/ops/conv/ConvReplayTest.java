package kilotrain.ops.conv;

import kilotrain.device.ReplayCase;
import org.junit.jupiter.api.Test;

/**
 * Golden vectors of the conv folder: every conv instruction of a ResNet-8 training step (forward, channel saves,
 * output, input, full and partial weight and bias gradients) and a sample of MCUNet's (depthwise, fused pairs, fused
 * weight updates), recorded by the Java executor, give the same bits in the generated C on the host and on QEMU's
 * Cortex-M7, instruction by instruction (docs/architecture.md, "Golden vectors: trace and replay").
 */
class ConvReplayTest {
    @Test
    void resnet8() {
        ReplayCase.replayFolder(ReplayCase.COVER, "conv");
    }

    /** A sample of MCUNet's 49 KB device step: depthwise convs, fused conv + depthwise pairs, fused weight updates. */
    @Test
    void mcunetSample() {
        ReplayCase.replayFolder(ReplayCase.MCUNET, "conv");
    }
}
