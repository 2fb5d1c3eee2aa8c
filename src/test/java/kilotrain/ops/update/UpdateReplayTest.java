package kilotrain.ops.update;

import kilotrain.device.ReplayCase;
import kilotrain.ops.conv.ConvWeightUpdate;
import org.junit.jupiter.api.Test;

/**
 * Golden vectors of the in-place updates: every parameter update of a ResNet-8 device step (stochastic rounding with
 * its generator state, float bias master copies; and, in a second step, momentum velocities and float weight master
 * copies), including the conv folder's fused weight-gradient updates, recorded by the Java executor, gives the same
 * parameter bits and optimizer state in the generated C on the host and on QEMU's Cortex-M7
 * (docs/architecture.md, "Golden vectors: trace and replay").
 */
class UpdateReplayTest {
    @Test
    void stochasticRoundingAndBiasMasterCopies() {
        ReplayCase.replay(ReplayCase.COVER, in -> in instanceof Update || in instanceof ConvWeightUpdate);
    }

    @Test
    void momentumAndWeightMasterCopies() {
        ReplayCase.replay(ReplayCase.INT8_HEAD, in -> in instanceof Update || in instanceof ConvWeightUpdate);
    }
}
